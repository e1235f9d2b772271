package io.mtlsproxy.bench.load;

import io.mtlsproxy.bench.pki.BenchPki;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * An HTTP/2 server over mutual TLS for load generator tests (the bench PKI's proxy certificate; client
 * certificates required, from the edge CA). It answers each request after {@code delayMillis} as its
 * {@link Answer} for that request's number says, and records what a test needs to see: connections, the most
 * streams open at once on one connection, and the client certificates it verified.
 */
final class H2TestServer implements AutoCloseable {
    enum Answer {
        OK,
        UNAVAILABLE,
        RESET,
        STALL,
        GOAWAY_THEN_OK
    }

    static final String BODY = "hello, world\n";

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final SslContext context;
    private final Channel server;
    // Closed before the event loop stops: a channel the loop's own shutdown closes may never run its pipeline's
    // teardown, and the SETTINGS frame still queued in its SslHandler would then leak.
    private final ChannelGroup children = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final AtomicLong requests = new AtomicLong();
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger maxOpenStreams = new AtomicInteger();
    final Set<String> clientSubjects = ConcurrentHashMap.newKeySet();

    /**
     * @param alpn what the server accepts by ALPN ({@code h2}, or {@code http/1.1} for a peer without HTTP/2)
     * @param answers request number (from 1) → how to answer it
     */
    H2TestServer(BenchPki pki, String alpn, long delayMillis, LongFunction<Answer> answers) throws Exception {
        context = SslContextBuilder.forServer(
                        pki.proxyCert().toFile(), pki.proxyKey().toFile())
                .sslProvider(SslProvider.OPENSSL)
                .trustManager(pki.edgeCa().toFile())
                .clientAuth(ClientAuth.REQUIRE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        alpn))
                .build();
        byte[] body = BODY.getBytes(StandardCharsets.US_ASCII);
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        children.add(ch);
                        SslHandler ssl = context.newHandler(ch.alloc());
                        ssl.handshakeFuture().addListener(f -> {
                            if (f.isSuccess()) {
                                try {
                                    clientSubjects.add(ssl.engine()
                                            .getSession()
                                            .getPeerPrincipal()
                                            .getName());
                                } catch (SSLPeerUnverifiedException e) {
                                    ch.close();
                                }
                            }
                        });
                        ch.pipeline()
                                .addLast(
                                        ssl,
                                        Http2FrameCodecBuilder.forServer().build(),
                                        new Streams(body, delayMillis, answers));
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    long requests() {
        return requests.get();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        children.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        ReferenceCountUtil.release(context);
    }

    /** One connection's streams (on the frame codec, no multiplexer). */
    private final class Streams extends ChannelInboundHandlerAdapter {
        private final byte[] body;
        private final long delayMillis;
        private final LongFunction<Answer> answers;
        private int open;

        Streams(byte[] body, long delayMillis, LongFunction<Answer> answers) {
            this.body = body;
            this.delayMillis = delayMillis;
            this.answers = answers;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame h && h.isEndStream()) {
                    open++;
                    maxOpenStreams.accumulateAndGet(open, Math::max);
                    Answer answer = answers.apply(requests.incrementAndGet());
                    ctx.executor().schedule(() -> answer(ctx, h.stream(), answer), delayMillis, TimeUnit.MILLISECONDS);
                } else if (msg instanceof Http2ResetFrame) {
                    open--; // the client cancelled a stream it waited too long for
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void answer(ChannelHandlerContext ctx, Http2FrameStream stream, Answer answer) {
            if (answer != Answer.STALL) {
                open--;
            }
            switch (answer) {
                case OK -> ok(ctx, stream);
                case UNAVAILABLE ->
                    ctx.writeAndFlush(
                            new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("503"), true).stream(stream));
                case RESET -> ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR).stream(stream));
                case STALL -> {}
                case GOAWAY_THEN_OK -> {
                    // before the answer, so the client hears of it before it would open the next stream
                    ctx.write(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
                    ok(ctx, stream);
                }
            }
        }

        private void ok(ChannelHandlerContext ctx, Http2FrameStream stream) {
            ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")).stream(stream));
            ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body), true).stream(stream));
        }
    }
}
