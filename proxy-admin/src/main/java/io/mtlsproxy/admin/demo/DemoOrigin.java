package io.mtlsproxy.admin.demo;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * A demo origin app: answers every request with what it saw — which origin it is, the path, the forwarded
 * headers, and the client certificate the proxy presented (for the mTLS origin). Not part of the proxy.
 */
public final class DemoOrigin implements AutoCloseable {
    private static final int MAX_REQUEST = 1 << 20;

    private final String name;
    private final Channel server;

    private DemoOrigin(String name, Channel server) {
        this.name = name;
        this.server = server;
    }

    /** Starts an origin on 127.0.0.1 (port 0 = any free port); {@code tls} null means plain HTTP. */
    public static DemoOrigin start(String name, EventLoopGroup group, int port, SslContext tls)
            throws InterruptedException {
        requireNonNull(name, "name");
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast("http", new HttpServerCodec());
                        ch.pipeline().addLast("aggregate", new HttpObjectAggregator(MAX_REQUEST));
                        ch.pipeline().addLast("echo", new Echo(name));
                    }
                });
        Channel server = b.bind("127.0.0.1", port).sync().channel();
        return new DemoOrigin(name, server);
    }

    public String name() {
        return name;
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
    }

    private static final class Echo extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final String name;

        Echo(String name) {
            this.name = name;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            StringBuilder body = new StringBuilder();
            body.append("hello from the ").append(name).append(" origin\n");
            body.append("request: ")
                    .append(req.method())
                    .append(' ')
                    .append(req.uri())
                    .append('\n');
            body.append("host: ")
                    .append(req.headers().get(HttpHeaderNames.HOST))
                    .append('\n');
            for (String h :
                    new String[] {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-client-cert"
                    }) {
                if (req.headers().contains(h)) {
                    body.append(h).append(": ").append(req.headers().get(h)).append('\n');
                }
            }
            body.append("proxy's client certificate: ").append(peerSubject(ctx)).append('\n');
            FullHttpResponse res = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes());
            res.headers().set("x-origin", name);
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (keepAlive) {
                res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                ctx.writeAndFlush(res);
            } else {
                ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
            }
        }

        /**
         * A client (the proxy) that goes away mid-request, as it does when its own client resets a stream, is
         * ordinary for an origin: close, without the pipeline's "reached the tail" warning for every one.
         */
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        private static String peerSubject(ChannelHandlerContext ctx) {
            SslHandler tls = ctx.pipeline().get(SslHandler.class);
            if (tls == null) {
                return "(plain connection)";
            }
            try {
                return ((X509Certificate) tls.engine().getSession().getPeerCertificates()[0])
                        .getSubjectX500Principal()
                        .getName();
            } catch (SSLPeerUnverifiedException e) {
                return "(none)";
            }
        }
    }
}
