package io.baton.deploy.bench;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/**
 * The floor of any gRPC call on this machine: a plain gRPC-java unary call that carries 300 bytes
 * and answers 40, with nothing of Baton's on either side (no SDK, no interceptors, no slot, no
 * disk), one call at a time from one thread, between two processes over loopback, as a lone
 * publish's client and broker are. A lone publish pays this round trip and its fsync.
 *
 * <p>Run the server, then the client: {@code java -cp ... io.baton.deploy.bench.GrpcEchoBench
 * server PORT} and {@code ... GrpcEchoBench client PORT WARMUP_SECONDS SECONDS}.
 */
public final class GrpcEchoBench {
    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream in) {
            try {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    private static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("bench.Echo/Echo")
            .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[1]);
        if (args[0].equals("server")) {
            byte[] answer = new byte[40];
            NettyServerBuilder.forAddress(new java.net.InetSocketAddress("127.0.0.1", port)).directExecutor()
                    .addService(ServerServiceDefinition.builder("bench.Echo").addMethod(ECHO, ServerCalls.asyncUnaryCall((request, out) -> {
                        out.onNext(answer);
                        out.onCompleted();
                    })).build())
                    .build().start().awaitTermination();
            return;
        }
        int warmup = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().directExecutor().build();
        try {
            byte[] request = new byte[300];
            // The SDK's calls carry a deadline too.
            Runnable echo = () -> ClientCalls.blockingUnaryCall(channel, ECHO,
                    CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), request);
            LonePublishBench.time(echo, warmup);
            LonePublishBench.print("echo (plain gRPC unary, 300 B, one thread)", LonePublishBench.time(echo, seconds), seconds);
        } finally {
            channel.shutdownNow();
        }
    }
}
