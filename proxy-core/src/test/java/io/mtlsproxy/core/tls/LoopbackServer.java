package io.mtlsproxy.core.tls;

import io.mtlsproxy.core.identity.PeerIdentity;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A tiny TLS server on a loopback ephemeral port, wired as the data path will be: [sni | tls] → observer →
 * recorder. After a handshake it answers "ok\n" (so TLS 1.3 clients also read the session ticket) and records,
 * per connection, what the server saw: success or the failure, the peer identity and the certificate it served.
 * {@link #reload} swaps the ServerTls as a reload swaps the snapshot.
 */
final class LoopbackServer implements AutoCloseable {
    record Outcome(
            boolean success,
            Throwable cause,
            PeerIdentity peer,
            X509Certificate served,
            Boolean resumed,
            String peerSubject,
            List<String> sni,
            String observedSni) {}

    private final AtomicReference<ServerTls> tls;
    private final BlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
    private final Channel channel;

    LoopbackServer(
            EventLoopGroup group,
            ServerTls initial,
            ProxyMetrics metrics,
            String listener,
            boolean sni,
            long handshakeTimeoutMillis)
            throws InterruptedException {
        this(group, initial, null, metrics, listener, sni, handshakeTimeoutMillis);
    }

    /** An origin: a plain Netty server context, no observer. */
    LoopbackServer(EventLoopGroup group, SslContext origin) throws InterruptedException {
        this(group, null, origin, null, "origin", false, 5_000);
    }

    private LoopbackServer(
            EventLoopGroup group,
            ServerTls initial,
            SslContext origin,
            ProxyMetrics metrics,
            String listener,
            boolean sni,
            long handshakeTimeoutMillis)
            throws InterruptedException {
        this.tls = new AtomicReference<>(initial);
        this.channel = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ServerTls current = tls.get();
                        if (origin != null) {
                            ch.pipeline().addLast("tls", origin.newHandler(ch.alloc()));
                            ch.pipeline().addLast("record", new Recorder());
                            return;
                        }
                        if (sni) {
                            ch.pipeline()
                                    .addLast(
                                            "sni",
                                            new SniHandler(current.sniMapping(), 16 * 1024, handshakeTimeoutMillis));
                        } else {
                            SslHandler ssl = current.defaultContext().newHandler(ch.alloc());
                            ssl.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
                            ch.pipeline().addLast("tls", ssl);
                        }
                        ch.pipeline()
                                .addLast(
                                        "handshake",
                                        new HandshakeObserver(metrics, ProxyMetrics.Side.INBOUND, listener));
                        ch.pipeline().addLast("record", new Recorder());
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
    }

    int port() {
        return ((java.net.InetSocketAddress) channel.localAddress()).getPort();
    }

    void reload(ServerTls next) {
        tls.set(next);
    }

    /** The next connection's outcome, as the server saw it. */
    Outcome next() throws InterruptedException {
        Outcome o = outcomes.poll(10, TimeUnit.SECONDS);
        if (o == null) {
            throw new AssertionError("the server saw no handshake outcome within 10s");
        }
        return o;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }

    private final class Recorder extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SniCompletionEvent sni && !sni.isSuccess()) {
                outcomes.add(new Outcome(false, sni.cause(), null, null, null, null, null, null));
                ctx.close();
            } else if (evt instanceof SslHandshakeCompletionEvent done) {
                if (done.isSuccess()) {
                    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                    SSLSession session = ssl.engine().getSession();
                    Certificate[] local = session.getLocalCertificates();
                    outcomes.add(new Outcome(
                            true,
                            null,
                            ctx.channel().attr(PeerIdentity.KEY).get(),
                            local == null ? null : (X509Certificate) local[0],
                            io.netty.handler.ssl.SessionReuse.isReused(ssl.engine()),
                            peerSubject(session),
                            sniNames(session),
                            ctx.channel().attr(HandshakeObserver.SNI).get()));
                    ctx.writeAndFlush(Unpooled.copiedBuffer("ok\n", StandardCharsets.US_ASCII))
                            .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
                } else {
                    outcomes.add(new Outcome(false, done.cause(), null, null, null, null, null, null));
                    ctx.close();
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        private String peerSubject(SSLSession session) {
            try {
                return ((X509Certificate) session.getPeerCertificates()[0])
                        .getSubjectX500Principal()
                        .getName();
            } catch (SSLPeerUnverifiedException e) {
                return null;
            }
        }

        private List<String> sniNames(SSLSession session) {
            List<String> out = new ArrayList<>();
            if (session instanceof ExtendedSSLSession extended) {
                for (SNIServerName name : extended.getRequestedServerNames()) {
                    if (name instanceof SNIHostName host) {
                        out.add(host.getAsciiName());
                    }
                }
            }
            return out;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
