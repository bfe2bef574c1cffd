/** SDK internals: channels, the cluster-map cache and the retrying call path. Not a public API. */
package io.baton.sdk.internal;
