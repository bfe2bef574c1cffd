package io.baton.sdk;

import io.baton.broker.BrokerConfig;
import io.baton.broker.testing.LocalBroker;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.function.UnaryOperator;

/** {@link CallAuthorizationSuite} over plaintext gRPC. */
class CallAuthorizationIT extends CallAuthorizationSuite {
    @Override
    LocalBroker startBroker(UnaryOperator<BrokerConfig.Builder> auth) throws Exception {
        return LocalBroker.start(auth);
    }

    @Override
    ManagedChannel rawChannel(String address) {
        return NettyChannelBuilder.forTarget(address).usePlaintext().build();
    }

    @Override
    BatonClient.Builder client() {
        return BatonClient.builder();
    }
}
