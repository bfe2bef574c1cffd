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
import org.HdrHistogram.Histogram;

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
            run(channel, request, warmup);
            Histogram h = run(channel, request, seconds);
            System.out.printf("echo (plain gRPC unary, 300 B, one thread): p50 %.3f ms, p90 %.3f ms, p99 %.3f ms; %.0f calls/s%n",
                    h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
                    h.getValueAtPercentile(99) / 1000.0, h.getTotalCount() / (double) seconds);
        } finally {
            channel.shutdownNow();
        }
    }

    private static Histogram run(ManagedChannel channel, byte[] request, int seconds) {
        Histogram micros = new Histogram(3);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            // The SDK's calls carry a deadline too.
            ClientCalls.blockingUnaryCall(channel, ECHO, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), request);
            micros.recordValue((System.nanoTime() - t0) / 1000);
        }
        return micros;
    }
}
