package io.baton.gateway.v1;

import io.baton.gateway.testing.Standalone;

/** {@link TenantIsolationSuite} over HTTP, the gateway reaching its broker in process. */
class TenantIsolationIT extends TenantIsolationSuite {
    @Override
    Standalone startStandalone(io.baton.auth.Credentials users) throws Exception {
        return Standalone.start(users);
    }
}
