package io.mtlsproxy.core.tls;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;

/** A TLS client on loopback: connects, handshakes, reads the first line; reports what it saw. */
final class LoopbackClient {
    /** {@code firstLine} is null when the connection ended (or failed) before any data. */
    record Result(
            Throwable handshakeFailure,
            String firstLine,
            Throwable readFailure,
            SSLSession session,
            X509Certificate serverCertificate) {
        boolean handshakeOk() {
            return handshakeFailure == null;
        }
    }

    private LoopbackClient() {}

    /** Connects with {@code sslHandler} made by the caller (e.g. ClientTls.newHandler), plus {@code extra}. */
    static Result connect(
            EventLoopGroup group,
            int port,
            java.util.function.Function<Channel, SslHandler> tls,
            ChannelHandler... extra)
            throws Exception {
        CompletableFuture<String> firstLine = new CompletableFuture<>();
        // kept here: a refused connection may be closed, and its pipeline emptied, before connect() returns
        AtomicReference<SslHandler> sslRef = new AtomicReference<>();
        Channel ch = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        SslHandler ssl = tls.apply(c);
                        sslRef.set(ssl);
                        c.pipeline().addLast("tls", ssl);
                        c.pipeline().addLast(extra);
                        c.pipeline().addLast("read", new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ByteBuf buf = (ByteBuf) msg;
                                try {
                                    firstLine.complete(buf.toString(StandardCharsets.US_ASCII)
                                            .trim());
                                } finally {
                                    buf.release();
                                }
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                firstLine.completeExceptionally(cause);
                                ctx.close();
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                firstLine.complete(null);
                            }
                        });
                    }
                })
                .connect(new InetSocketAddress("127.0.0.1", port))
                .sync()
                .channel();
        try {
            SslHandler ssl = sslRef.get();
            Throwable handshakeFailure;
            if (!ssl.handshakeFuture().await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("client handshake did not finish within 10s");
            }
            handshakeFailure = ssl.handshakeFuture().cause();
            String line = null;
            Throwable readFailure = null;
            try {
                line = firstLine.get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                readFailure = e.getCause();
            }
            SSLSession session = handshakeFailure == null ? ssl.engine().getSession() : null;
            X509Certificate server = session == null ? null : (X509Certificate) session.getPeerCertificates()[0];
            return new Result(handshakeFailure, line, readFailure, session, server);
        } finally {
            ch.close().sync();
        }
    }

    /** A handler for a client context, with an explicit SNI name (or none). */
    static java.util.function.Function<Channel, SslHandler> handler(SslContext context, String sni, int port) {
        return ch -> {
            SslHandler h = sni == null
                    ? context.newHandler(ch.alloc(), "127.0.0.1", port)
                    : context.newHandler(ch.alloc(), sni, port);
            SSLParameters p = h.engine().getSSLParameters();
            p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
            h.engine().setSSLParameters(p);
            return h;
        };
    }
}
