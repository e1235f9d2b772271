package io.mtlsproxy.bench.soak;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The soak's origin, in the soak process: plain, TLS or mTLS on one loopback port. It answers any path (the proxy
 * passes route prefixes through unchanged): {@code GET …/bytes/N} with N bytes, any other GET with
 * {@link #SMALL_BODY}, and a POST with the decimal count of body bytes it received (streamed, never aggregated).
 * It can be stopped like a crash (listener closed, open connections reset) and restarted on the same port, which
 * is how the soak injects origin faults. An mTLS origin records the serial of every client certificate it saw,
 * which proves that a rotated upstream identity reached the wire.
 */
public final class SoakOrigin implements AutoCloseable {
    public static final String SMALL_BODY = "hello, world\n";
    /** The largest {@code /bytes/N} answer. */
    public static final int MAX_BYTES = 1 << 20;

    private static final ByteBuf BYTES = Unpooled.unreleasableBuffer(
            Unpooled.wrappedBuffer(new byte[MAX_BYTES]).asReadOnly());

    private final String name;
    private final EventLoopGroup group;
    private final Optional<SslContext> tls;
    private final int port;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final Set<BigInteger> clientSerials = ConcurrentHashMap.newKeySet();
    private final AtomicLong requests = new AtomicLong();
    private Channel server;

    private SoakOrigin(String name, EventLoopGroup group, Optional<SslContext> tls, int port) {
        this.name = requireNonNull(name, "name");
        this.group = requireNonNull(group, "group");
        this.tls = requireNonNull(tls, "tls");
        this.port = port;
    }

    /** Starts on 127.0.0.1:{@code port}; the port must be free (a faulty origin needs it again on restart). */
    public static SoakOrigin start(String name, EventLoopGroup group, Optional<SslContext> tls, int port)
            throws InterruptedException {
        SoakOrigin origin = new SoakOrigin(name, group, tls, port);
        origin.restart();
        return origin;
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public synchronized boolean up() {
        return server != null && server.isOpen();
    }

    /** Binds the listener again (a no-op while it is up). */
    public synchronized void restart() throws InterruptedException {
        if (up()) {
            return;
        }
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        tls.ifPresent(t -> ch.pipeline().addLast("tls", t.newHandler(ch.alloc())));
                        ch.pipeline().addLast("http", new HttpServerCodec());
                        ch.pipeline().addLast("answer", new Answer());
                    }
                })
                .bind("127.0.0.1", port)
                .sync()
                .channel();
    }

    /** Like a crash: the listener goes (new connections are refused) and every open connection is reset. */
    public synchronized void stop() {
        if (server != null) {
            server.close().syncUninterruptibly();
            server = null;
        }
        for (Channel ch : connections) {
            ch.config().setOption(ChannelOption.SO_LINGER, 0);
        }
        connections.close().syncUninterruptibly();
    }

    /** Serials of the client certificates that completed a handshake here (mTLS origin). */
    public Set<BigInteger> clientSerials() {
        return Set.copyOf(clientSerials);
    }

    public long requests() {
        return requests.get();
    }

    @Override
    public void close() {
        stop();
    }

    /** One connection: counts the request body as it streams by and answers at its end. */
    private final class Answer extends ChannelInboundHandlerAdapter {
        private HttpMethod method;
        private String uri;
        private boolean keepAlive;
        private long received;

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof SslHandshakeCompletionEvent e && e.isSuccess()) {
                try {
                    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                    var certs = ssl.engine().getSession().getPeerCertificates();
                    clientSerials.add(((X509Certificate) certs[0]).getSerialNumber());
                } catch (SSLPeerUnverifiedException ignored) {
                    // a TLS (not mTLS) origin: no client certificate
                }
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest r) {
                    method = r.method();
                    uri = r.uri();
                    keepAlive = HttpUtil.isKeepAlive(r);
                    received = 0;
                }
                if (msg instanceof HttpContent c) {
                    received += c.content().readableBytes();
                }
                if (msg instanceof LastHttpContent && uri != null) {
                    respond(ctx);
                    uri = null;
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void respond(ChannelHandlerContext ctx) {
            requests.incrementAndGet();
            ByteBuf body;
            if (HttpMethod.POST.equals(method)) {
                body = Unpooled.copiedBuffer(Long.toString(received), StandardCharsets.US_ASCII);
            } else {
                int n = requestedBytes(uri);
                body = n >= 0
                        ? BYTES.retainedSlice(0, n)
                        : Unpooled.copiedBuffer(SMALL_BODY, StandardCharsets.US_ASCII);
            }
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
            res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            if (keepAlive) {
                ctx.writeAndFlush(res);
            } else {
                res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset from the proxy's side, or a failed handshake: nothing to answer
        }
    }

    /** N of a path ending in {@code /bytes/N} (at most {@link #MAX_BYTES}); -1 for any other path. */
    static int requestedBytes(String uri) {
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        int at = path.lastIndexOf("/bytes/");
        if (at < 0) {
            return -1;
        }
        try {
            int n = Integer.parseInt(path.substring(at + "/bytes/".length()));
            return n >= 0 && n <= MAX_BYTES ? n : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
