package io.baton.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpVersion;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A request must arrive whole within a deadline of its first byte: head and body, however slowly
 * a client trickles them (slowloris). Sits before the HTTP codec, where bytes arrive; the request
 * handler reports each complete request ({@link #completed}). On expiry the client gets the API's
 * 408 and the connection is closed.
 *
 * <p>Threads: the connection's event loop.
 */
final class RequestDeadline extends ChannelDuplexHandler {
    private final long deadlineMillis;
    private final HttpApi api;
    private ScheduledFuture<?> timer;
    /** The body of a request already answered (too large) is still arriving, to be discarded. */
    private boolean discarding;

    RequestDeadline(long deadlineMillis, HttpApi api) {
        this.deadlineMillis = deadlineMillis;
        this.api = api;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (timer == null && !discarding && msg instanceof ByteBuf b && b.isReadable()) {
            timer = ctx.executor().schedule(() -> expire(ctx), deadlineMillis, TimeUnit.MILLISECONDS);
        }
        super.channelRead(ctx, msg);
    }

    /** The request being read is complete: the next one starts its own deadline with its first byte. */
    void completed() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /**
     * The request was answered before its body arrived (too large): the rest of the body is
     * discarded as it comes, and starts no deadline, until {@link #discarded}.
     */
    void discardRest() {
        completed();
        discarding = true;
    }

    /** The answered request's body, if one was being discarded, has all arrived: the next byte starts the next request's deadline. */
    void discarded() {
        discarding = false;
    }

    private void expire(ChannelHandlerContext ctx) {
        timer = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        FullHttpResponse r = Responses.toNetty(api.requestTimeout(), HttpVersion.HTTP_1_1, false);
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        // From the tail, through the codec's encoder (which sits after this handler).
        ctx.channel().writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        completed();
        super.channelInactive(ctx);
    }
}
