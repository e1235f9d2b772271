package io.mtlsproxy.bench.h2load;

import io.mtlsproxy.bench.pki.BenchPki;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP/2 server over TLS that starts reading each connection (and so its handshake) only {@code delayMillis}
 * after accepting it, like a peer whose first handshakes are slow, and then answers every request with 200 for as
 * long as the client asks, as mtls-proxy does.
 */
final class SlowHandshakeH2Server implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final SslContext context;
    private final Channel server;
    // closed before the event loop stops, so each pipeline's teardown runs and releases what its SslHandler holds
    private final ChannelGroup children = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    final AtomicLong answered = new AtomicLong();

    private SlowHandshakeH2Server(SslContext context, long delayMillis) throws InterruptedException {
        this.context = context;
        this.server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        children.add(ch);
                        // nothing reads the ClientHello until the TLS handler is there (an SslHandler reads its
                        // handshake even without AUTO_READ)
                        ch.eventLoop()
                                .schedule(
                                        () -> {
                                            ch.pipeline()
                                                    .addLast(
                                                            context.newHandler(ch.alloc()),
                                                            Http2FrameCodecBuilder.forServer()
                                                                    .build(),
                                                            new Answers());
                                            ch.config().setAutoRead(true);
                                        },
                                        delayMillis,
                                        TimeUnit.MILLISECONDS);
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
    }

    static SlowHandshakeH2Server start(Path pkiDir, long delayMillis) throws Exception {
        BenchPki pki = BenchPki.create(pkiDir);
        SslContext context = SslContextBuilder.forServer(
                        pki.proxyCert().toFile(), pki.proxyKey().toFile())
                .sslProvider(SslProvider.OPENSSL)
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2))
                .build();
        return new SlowHandshakeH2Server(context, delayMillis);
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        children.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        ReferenceCountUtil.release(context);
    }

    /** 200 with a short body for every request whose headers end the stream (h2load's GETs). */
    private final class Answers extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2HeadersFrame h && h.isEndStream()) {
                ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")).stream(h.stream()));
                ctx.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(new byte[] {'o', 'k'}), true)
                        .stream(h.stream()));
                answered.incrementAndGet();
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // h2load stopped mid-stream
        }
    }
}
