package io.baton.gateway.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * At most {@code max} open connections: one over it is closed as soon as it is accepted, before a
 * byte is read or a TLS handshake spent on it, so neither file descriptors nor per-connection
 * buffers grow past the limit however many clients connect. Clients see the connection closed and
 * retry (what any HTTP client does with a refused connection). Shared by every connection.
 */
@ChannelHandler.Sharable
final class ConnectionLimit extends ChannelInboundHandlerAdapter {
    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();

    ConnectionLimit(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("the connection limit must be at least 1");
        }
        this.max = max;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (open.incrementAndGet() > max) {
            refused.incrementAndGet();
            ctx.close();
            return;
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        open.decrementAndGet();
        super.channelInactive(ctx);
    }

    int open() {
        return Math.min(open.get(), max);
    }

    long refused() {
        return refused.get();
    }
}
