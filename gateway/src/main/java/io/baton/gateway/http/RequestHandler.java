package io.baton.gateway.http;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands each complete request to the API and writes the replies back in request order.
 *
 * <p>One request per connection is in flight at a time: HTTP/1.1 requires responses in request
 * order, and the API answers asynchronously. Pipelined requests wait in a short queue; when it
 * fills, the connection stops reading (back-pressure on the client, not memory on the server).
 * Nor is the next request started while the socket is not writable: a client that pipelines
 * requests and never reads its answers holds at most the socket's write buffer (Netty's high
 * water mark) and {@link #MAX_WAITING} requests, then the server stops reading from it.
 *
 * <p>Threads: every method here runs on the connection's event loop; replies completed on other
 * threads are handed back to it.
 */
final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(RequestHandler.class);
    private static final int MAX_WAITING = 16;

    private record Pending(Request request, HttpVersion version, boolean keepAlive, boolean head) {}

    private final HttpApi api;
    /** This connection's request deadline: a whole request has arrived once it reaches here. */
    private final RequestDeadline deadline;
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    private boolean busy;

    RequestHandler(HttpApi api, RequestDeadline deadline) {
        this.api = api;
        this.deadline = deadline;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
        deadline.completed();
        boolean http1 = msg.protocolVersion().majorVersion() == 1 && msg.protocolVersion().minorVersion() <= 1;
        if (msg.decoderResult().isFailure() || !http1) {
            String reason = !http1 ? "only HTTP/1.0 and HTTP/1.1 are served" : reasonFor(msg.decoderResult().cause());
            FullHttpResponse r = Responses.toNetty(api.malformed(reason), HttpVersion.HTTP_1_1, false);
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        Request request = new Request(msg.method().name(), msg.uri(), new NettyHeaders(msg.headers()),
                ByteBufUtil.getBytes(msg.content()));
        Pending p = new Pending(request, msg.protocolVersion(), HttpUtil.isKeepAlive(msg), msg.method().equals(HttpMethod.HEAD));
        waiting.add(p);
        if (waiting.size() >= MAX_WAITING) {
            ctx.channel().config().setAutoRead(false);
        }
        next(ctx);
    }

    /** A fixed phrase for what the codec refused: exception text never reaches a client. */
    private static String reasonFor(Throwable cause) {
        if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
            return "the request line is too long";
        }
        if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
            return "the request headers are too large";
        }
        return "malformed request";
    }

    /** Starts the next waiting request, unless one is running or the client is not reading its answers. */
    private void next(ChannelHandlerContext ctx) {
        if (busy) {
            return;
        }
        if (!ctx.channel().isWritable()) {
            if (!waiting.isEmpty()) {
                ctx.channel().config().setAutoRead(false);
            }
            return;
        }
        Pending p = waiting.poll();
        if (p != null) {
            run(ctx, p);
        } else if (!ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable()) {
            next(ctx);
        }
        super.channelWritabilityChanged(ctx);
    }

    private void run(ChannelHandlerContext ctx, Pending p) {
        busy = true;
        api.handle(p.request()).whenComplete((reply, error) -> {
            Reply r = reply;
            if (error != null) {
                log.error("unhandled failure answering {} {}", p.request().method(), p.request().uri(), error);
                r = api.malformed("internal error");
            }
            Reply done = r;
            if (ctx.executor().inEventLoop()) {
                finish(ctx, p, done);
            } else {
                ctx.executor().execute(() -> finish(ctx, p, done));
            }
        });
    }

    private void finish(ChannelHandlerContext ctx, Pending p, Reply reply) {
        FullHttpResponse response = Responses.toNetty(reply, p.version(), p.head());
        HttpUtil.setKeepAlive(response, p.keepAlive());
        ChannelFuture written = ctx.writeAndFlush(response);
        if (!p.keepAlive()) {
            written.addListener(ChannelFutureListener.CLOSE);
            waiting.clear();
            return;
        }
        written.addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        busy = false;
        next(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent && !busy) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("closing connection after {}", cause.toString());
        ctx.close();
    }
}
