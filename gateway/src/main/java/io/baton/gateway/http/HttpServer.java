package io.baton.gateway.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.baton.api.tls.TlsCredentials;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/1.1 server: Netty's codec on non-blocking event loops, keep-alive, a body cap applied
 * before the body is read ({@link BodyCap}), and in-order replies ({@link RequestHandler}).
 * Bounded against slow and greedy clients: a connection cap ({@link ConnectionLimit}), a deadline
 * for each request to arrive ({@link RequestDeadline}), pipelined requests that wait while the
 * client does not read ({@link RequestHandler}), and idle keep-alive connections closed after two
 * minutes.
 */
public final class HttpServer implements AutoCloseable {
    /** Request line and header limits; over them the codec fails the request and it gets a 400. */
    private static final int MAX_INITIAL_LINE = 8192;
    private static final int MAX_HEADER_BYTES = 16384;
    private static final int MAX_CHUNK = 16384;
    private static final int IDLE_SECONDS = 120;

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel channel;
    private final ConnectionLimit connections;

    private HttpServer(EventLoopGroup boss, EventLoopGroup workers, Channel channel, ConnectionLimit connections) {
        this.boss = boss;
        this.workers = workers;
        this.channel = channel;
        this.connections = connections;
    }

    /** As {@link #start(String, int, int, TlsCredentials, HttpLimits, HttpApi)} over plain HTTP, with the default limits. */
    public static HttpServer start(String host, int port, int ioThreads, HttpApi api) throws InterruptedException {
        return start(host, port, ioThreads, null, HttpLimits.DEFAULT, api);
    }

    /**
     * Binds {@code host:port} (0: any free port) and serves {@code api} on {@code ioThreads} event
     * loops, over HTTPS with {@code tls}'s identity when it is not null.
     */
    public static HttpServer start(String host, int port, int ioThreads, TlsCredentials tls, HttpLimits limits, HttpApi api)
            throws InterruptedException {
        SslContext ssl = tls == null ? null : sslContext(tls);
        ConnectionLimit connections = new ConnectionLimit(limits.maxConnections());
        long deadlineMillis = limits.requestDeadline().toMillis();
        // Native epoll where Netty has it (Linux x86-64): no JDK selector, no selected-key sets,
        // fewer copies on read and write. NIO elsewhere.
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup boss = eventLoops(epoll, 1, "gateway-accept");
        EventLoopGroup workers = eventLoops(epoll, ioThreads, "gateway-io");
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        try {
            ServerBootstrap b = new ServerBootstrap().group(boss, workers).channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ChannelPipeline p = ch.pipeline();
                            p.addLast(connections);
                            if (ssl != null) {
                                // The handshake has its own deadline (Netty's default, 10 s).
                                p.addLast(ssl.newHandler(ch.alloc()));
                            }
                            p.addLast(new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS));
                            RequestDeadline deadline = new RequestDeadline(deadlineMillis, api);
                            p.addLast(deadline);
                            p.addLast(new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, MAX_CHUNK));
                            p.addLast(new BodyCap(api, deadline));
                            p.addLast(new RequestHandler(api, deadline));
                        }
                    });
            Channel ch = b.bind(host, port).sync().channel();
            return new HttpServer(boss, workers, ch, connections);
        } catch (Exception e) { // a bind failure arrives as a checked exception thrown unchecked
            boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            if (e instanceof InterruptedException || e instanceof RuntimeException) {
                throw e;
            }
            throw new java.io.UncheckedIOException(new java.io.IOException(
                    "cannot listen for HTTP on " + host + ":" + port + ": " + e.getMessage(), e));
        }
    }

    private static SslContext sslContext(TlsCredentials tls) {
        try {
            // The key manager follows the certificate and key files: a replaced certificate is
            // used from the next handshake on, without rebuilding this context. OpenSSL
            // (BoringSSL, netty-tcnative) where its native library loads, else the JDK's TLS.
            io.netty.handler.ssl.SslProvider provider = io.netty.handler.ssl.OpenSsl.isAvailable()
                    ? io.netty.handler.ssl.SslProvider.OPENSSL : io.netty.handler.ssl.SslProvider.JDK;
            return SslContextBuilder.forServer(tls.identity()).sslProvider(provider).protocols("TLSv1.3", "TLSv1.2").build();
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException("cannot set up HTTPS: " + e.getMessage(), e);
        }
    }

    private static EventLoopGroup eventLoops(boolean epoll, int threads, String name) {
        DefaultThreadFactory factory = new DefaultThreadFactory(name, true);
        return epoll ? new EpollEventLoopGroup(threads, factory) : new NioEventLoopGroup(threads, factory);
    }

    /** Connections open now (at most the limit). */
    public int openConnections() {
        return connections.open();
    }

    /** Connections closed at once because the limit was reached, since start. */
    public long refusedConnections() {
        return connections.refused();
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
