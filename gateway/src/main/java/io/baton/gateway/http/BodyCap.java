package io.baton.gateway.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Aggregates a request into one message, but never past {@link HttpApi#maxBodyBytes()}: a body
 * declared (Content-Length) or found (chunked) to be larger is answered with the API's own error
 * and its bytes are discarded as they arrive, never held in memory.
 *
 * <p>Netty's aggregator answers 413 with an empty body; v1 wants 400 with the JSON error body, and
 * wants an earlier failure in the validation order (a bad queue name, say) to win over the size,
 * so both overflow paths ask the API.
 */
final class BodyCap extends HttpObjectAggregator {
    private final HttpApi api;
    /** This connection's request deadline, told when an answered request's body has all arrived. */
    private final RequestDeadline deadline;

    BodyCap(HttpApi api, RequestDeadline deadline) {
        super(api.maxBodyBytes(), true);
        this.api = api;
        this.deadline = deadline;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof io.netty.handler.codec.http.LastHttpContent) {
            deadline.discarded();
        }
        super.channelRead(ctx, msg);
    }

    private Reply replyFor(HttpRequest req) {
        Reply r = api.checkHead(req.method().name(), req.uri(), new NettyHeaders(req.headers()));
        return r != null ? r : api.bodyTooLarge(req.method().name(), req.uri());
    }

    /** {@code Expect: 100-continue} with a declared length over the cap: refuse before the body is sent. */
    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        Object r = super.newContinueResponse(start, maxContentLength, pipeline);
        if (r instanceof FullHttpResponse refused && refused.status().code() >= 400 && start instanceof HttpRequest req) {
            refused.release();
            FullHttpResponse ours = Responses.toNetty(replyFor(req), req.protocolVersion(), false);
            ours.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            return ours;
        }
        return r;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        if (!(oversized instanceof HttpRequest req)) {
            ctx.close();
            return;
        }
        FullHttpResponse response = Responses.toNetty(replyFor(req), req.protocolVersion(), false);
        // Answered: the request's deadline no longer applies, and the rest of its body, discarded
        // as it arrives, must not start another one (a stray 408 on a kept-alive connection).
        deadline.discardRest();
        // Once body bytes have been consumed (chunked, or a FullHttpMessage) the stream cannot be
        // resynchronised: answer and close. With only the head read, keep-alive survives: the
        // aggregator discards the rest of the declared body.
        boolean close = oversized instanceof FullHttpMessage
                || (!HttpUtil.is100ContinueExpected(oversized) && !HttpUtil.isKeepAlive(oversized));
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            // The client may still be sending the body: close without resetting its answer away.
            LingeringClose.after(ctx.writeAndFlush(response));
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }
    }
}
