package io.baton.gateway.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose client may still be sending (a body refused for its size) without
 * losing the answer: closing a socket with unread bytes makes TCP reset the connection, and a
 * reset can reach the client before it has read the answer. So, once the answer is written, the
 * server stops writing (FIN, on plain TCP), discards whatever still arrives, and closes when the
 * client does or after {@link #LINGER_MILLIS}, whichever comes first.
 */
final class LingeringClose {
    static final long LINGER_MILLIS = 2_000;

    private LingeringClose() {
    }

    static void after(ChannelFuture written) {
        Channel ch = written.channel();
        written.addListener(f -> {
            if (!f.isSuccess() || !ch.isActive()) {
                ch.close();
                return;
            }
            ch.pipeline().addFirst("discard", new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ReferenceCountUtil.release(msg);
                }
            });
            ch.config().setAutoRead(true);
            if (ch instanceof DuplexChannel d && ch.pipeline().get(SslHandler.class) == null) {
                d.shutdownOutput();
            }
            ch.eventLoop().schedule(() -> {
                ch.close();
            }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
        });
    }
}
