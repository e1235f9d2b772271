package io.mtlsproxy.core.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * A tiny origin for tests (plain, TLS or mTLS) that answers what it saw. By the last path segment:
 * {@code .../slow?ms=N} answers after N ms, {@code .../download?bytes=N} streams N bytes of {@link #pattern},
 * {@code .../upload} answers the SHA-256 and length of the body (slowly read with {@code ?slow=1}),
 * {@code .../close} closes without answering, {@code .../status?code=N} answers N; anything else echoes
 * (see {@link Echo}).
 */
public final class TestOrigin implements AutoCloseable {
    public enum Mode {
        PLAIN,
        TLS,
        MTLS
    }

    private final String name;
    private final EventLoopGroup group;
    private final Channel server;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();

    private TestOrigin(String name, Mode mode, TestPki.Leaf cert, Path clientCa) throws Exception {
        this(name, mode, cert, clientCa, "127.0.0.1", 0);
    }

    private TestOrigin(String name, Mode mode, TestPki.Leaf cert, Path clientCa, String host, int port)
            throws Exception {
        this.name = name;
        SslContext ssl = null;
        if (mode != Mode.PLAIN) {
            SslContextBuilder b = SslContextBuilder.forServer(
                    cert.certFile().toFile(), cert.keyFile().toFile());
            if (mode == Mode.MTLS) {
                b.trustManager(clientCa.toFile()).clientAuth(ClientAuth.REQUIRE);
            }
            ssl = b.build();
        }
        SslContext context = ssl;
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        int id = connections.incrementAndGet();
                        if (context != null) {
                            ch.pipeline().addLast("tls", context.newHandler(ch.alloc()));
                        }
                        // headers up to 16 KiB: h2spec sends just under 8 KiB, to which the proxy adds its forwarded
                        // headers, request ID and traceparent (Netty's default of 8 KiB is too little)
                        ch.pipeline().addLast(new HttpServerCodec(4096, 16 * 1024, 8192), new Handler(id));
                    }
                })
                .bind(host, port)
                .sync()
                .channel();
    }

    public static TestOrigin start(String name, Mode mode, TestPki.Leaf cert, Path clientCa) {
        try {
            return new TestOrigin(name, mode, cert, clientCa);
        } catch (Exception e) {
            throw new IllegalStateException("origin " + name + " did not start", e);
        }
    }

    public static TestOrigin plain(String name) {
        return start(name, Mode.PLAIN, null, null);
    }

    /** A plain origin on a given loopback address and port (several addresses of one host name share a port). */
    public static TestOrigin plain(String name, String host, int port) {
        try {
            return new TestOrigin(name, Mode.PLAIN, null, null, host, port);
        } catch (Exception e) {
            throw new IllegalStateException("origin " + name + " did not start on " + host + ":" + port, e);
        }
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    public int requests() {
        return requests.get();
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    /** Byte {@code offset} of every download: a pattern the client can check without storing it. */
    public static byte pattern(long offset) {
        return (byte) ((offset * 31 + (offset >>> 8) * 7) & 0xff);
    }

    private final class Handler extends SimpleChannelInboundHandler<HttpObject> {
        private final int connectionId;
        private HttpRequest request;
        private long bodyBytes;
        private MessageDigest digest;
        private boolean slowUpload;
        private long downloadLeft;
        private long downloadOffset;

        Handler(int connectionId) {
            this.connectionId = connectionId;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) throws Exception {
            if (msg instanceof HttpRequest r) {
                requests.incrementAndGet();
                request = r;
                bodyBytes = 0;
                digest = MessageDigest.getInstance("SHA-256");
                slowUpload = r.uri().contains("/upload") && r.uri().contains("slow=1");
                if (slowUpload) {
                    ctx.channel().config().setAutoRead(false);
                    ctx.read();
                }
            }
            if (msg instanceof HttpContent c) {
                bodyBytes += c.content().readableBytes();
                digest.update(c.content().nioBuffer());
                if (c instanceof LastHttpContent) {
                    ctx.channel().config().setAutoRead(true);
                    slowUpload = false;
                    respond(ctx);
                }
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (slowUpload) {
                ctx.executor().schedule(() -> ctx.read(), 1, TimeUnit.MILLISECONDS);
            }
            ctx.flush();
        }

        private void respond(ChannelHandlerContext ctx) throws SSLPeerUnverifiedException {
            QueryStringDecoder q = new QueryStringDecoder(request.uri());
            String path = q.path();
            String last = path.substring(path.lastIndexOf('/') + 1);
            switch (last) {
                case "slow" ->
                    ctx.executor()
                            .schedule(
                                    () -> ctx.writeAndFlush(echo(ctx)),
                                    Long.parseLong(param(q, "ms", "1000")),
                                    TimeUnit.MILLISECONDS);
                case "close" -> ctx.close();
                case "status" ->
                    ctx.writeAndFlush(
                            text(HttpResponseStatus.valueOf(Integer.parseInt(param(q, "code", "200"))), "status\n"));
                case "upload" ->
                    ctx.writeAndFlush(text(
                            HttpResponseStatus.OK,
                            "sha256=" + HexFormat.of().formatHex(digest.digest()) + "\nbytes=" + bodyBytes + "\n"));
                case "download" -> startDownload(ctx, Long.parseLong(param(q, "bytes", "0")));
                default -> ctx.writeAndFlush(echo(ctx));
            }
        }

        private void startDownload(ChannelHandlerContext ctx, long bytes) {
            HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            HttpUtil.setContentLength(r, bytes);
            ctx.write(r);
            downloadLeft = bytes;
            downloadOffset = 0;
            pump(ctx);
        }

        /** Writes the download while the channel is writable: an origin with backpressure, as a real one has. */
        private void pump(ChannelHandlerContext ctx) {
            while (downloadLeft > 0 && ctx.channel().isWritable()) {
                int n = (int) Math.min(64 * 1024, downloadLeft);
                byte[] chunk = new byte[n];
                for (int i = 0; i < n; i++) {
                    chunk[i] = pattern(downloadOffset + i);
                }
                // one bulk write: under paranoid leak detection every single-byte call records a stack trace
                ByteBuf b = ctx.alloc().buffer(n).writeBytes(chunk);
                downloadOffset += n;
                downloadLeft -= n;
                ctx.write(new DefaultHttpContent(b));
            }
            if (downloadLeft == 0 && downloadOffset > 0) {
                downloadOffset = 0;
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            } else {
                ctx.flush();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable() && downloadLeft > 0) {
                pump(ctx);
            }
        }

        private FullHttpResponse echo(ChannelHandlerContext ctx) {
            StringBuilder b = new StringBuilder();
            b.append("origin=").append(name).append('\n');
            b.append("method=").append(request.method()).append('\n');
            b.append("uri=").append(request.uri()).append('\n');
            b.append("version=").append(request.protocolVersion()).append('\n');
            b.append("peer=").append(peerSubject(ctx)).append('\n');
            b.append("peer-serial=").append(peerSerial(ctx)).append('\n');
            b.append("conn=").append(connectionId).append('\n');
            b.append("body=").append(bodyBytes).append('\n');
            for (Map.Entry<String, String> h : request.headers()) {
                b.append("h:")
                        .append(h.getKey())
                        .append('=')
                        .append(h.getValue())
                        .append('\n');
            }
            return text(HttpResponseStatus.OK, b.toString());
        }

        private String peerSubject(ChannelHandlerContext ctx) {
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            if (ssl == null) {
                return "-";
            }
            try {
                return ((X509Certificate) ssl.engine().getSession().getPeerCertificates()[0])
                        .getSubjectX500Principal()
                        .getName();
            } catch (SSLPeerUnverifiedException e) {
                return "-";
            }
        }

        /** The serial (lowercase hex) of the client certificate the proxy presented, "-" when none. */
        private String peerSerial(ChannelHandlerContext ctx) {
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            if (ssl == null) {
                return "-";
            }
            try {
                return ((X509Certificate) ssl.engine().getSession().getPeerCertificates()[0])
                        .getSerialNumber()
                        .toString(16);
            } catch (SSLPeerUnverifiedException e) {
                return "-";
            }
        }

        private FullHttpResponse text(HttpResponseStatus status, String body) {
            FullHttpResponse r = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
            HttpUtil.setContentLength(r, r.content().readableBytes());
            return r;
        }

        private String param(QueryStringDecoder q, String key, String dflt) {
            var v = q.parameters().get(key);
            return v == null || v.isEmpty() ? dflt : v.get(0);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
