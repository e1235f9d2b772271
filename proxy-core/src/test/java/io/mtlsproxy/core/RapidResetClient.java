package io.mtlsproxy.core;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.util.concurrent.TimeUnit;

/**
 * A deliberately rude HTTP/2 client (CVE-2023-44487): opens a stream with HEADERS and resets it at once, again and
 * again, from raw frames, and watches for the server's GOAWAY. It stops sending once it has read one, but does not
 * close: the server has to.
 */
final class RapidResetClient {
    record Result(boolean goAway, long errorCode, boolean closed, int resetsSent, Throwable error) {}

    private RapidResetClient() {}

    static Result burst(int port, ProxyFixture fx, int streams) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            SslContext ssl = SslContextBuilder.forClient()
                    .trustManager(fx.serverCa.certFile().toFile())
                    .keyManager(
                            fx.client.certFile().toFile(), fx.client.keyFile().toFile())
                    .applicationProtocolConfig(new ApplicationProtocolConfig(
                            ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2))
                    .build();
            Rude rude = new Rude(streams);
            Channel ch = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline().addLast(ssl.newHandler(c.alloc(), "localhost", port), rude);
                        }
                    })
                    .connect("127.0.0.1", port)
                    .sync()
                    .channel();
            boolean closed = ch.closeFuture().await(20, TimeUnit.SECONDS);
            return new Result(rude.goAway, rude.errorCode, closed, rude.sent, rude.error);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }

    private static final class Rude extends ChannelInboundHandlerAdapter {
        private final int streams;
        private final DefaultHttp2FrameWriter writer = new DefaultHttp2FrameWriter();
        private final DefaultHttp2FrameReader reader = new DefaultHttp2FrameReader();
        private ByteBuf pending = Unpooled.EMPTY_BUFFER;
        volatile boolean goAway;
        volatile long errorCode;
        volatile int sent;
        volatile Throwable error;

        Rude(int streams) {
            this.streams = streams;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent done && done.isSuccess()) {
                ctx.write(Http2CodecUtil.connectionPrefaceBuf());
                writer.writeSettings(ctx, new Http2Settings(), ctx.newPromise());
                ctx.flush();
                burst(ctx, 1);
            }
        }

        /** HEADERS + RST_STREAM pairs in batches, each batch after the previous one was written. */
        private void burst(ChannelHandlerContext ctx, int firstStream) {
            int stream = firstStream;
            for (int i = 0; i < 50 && sent < streams && !goAway && ctx.channel().isActive(); i++) {
                Http2Headers h = new DefaultHttp2Headers()
                        .method("GET")
                        .scheme("https")
                        .authority("localhost")
                        .path("/test.Echo/Unary");
                writer.writeHeaders(ctx, stream, h, 0, false, ctx.newPromise());
                writer.writeRstStream(ctx, stream, Http2Error.CANCEL.code(), ctx.newPromise());
                stream += 2;
                sent++;
            }
            int next = stream;
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                if (f.isSuccess() && sent < streams && !goAway) {
                    // A millisecond later, not from the listener: a flush that completes at once would call
                    // straight back (and a task queued now could still run before the next read), so the loop would
                    // keep writing without reading what the server sent, the GOAWAY included; a client that floods
                    // past it without reading is closed at once and loses it. 2,000 streams still take ~40 ms,
                    // far inside the 30 s window of the rapid-reset limit.
                    ctx.executor().schedule(() -> burst(ctx, next), 1, TimeUnit.MILLISECONDS);
                }
            });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            ByteBuf in = (ByteBuf) msg;
            ByteBuf all = Unpooled.wrappedBuffer(pending, in);
            try {
                reader.readFrame(ctx, all, new Http2FrameAdapter() {
                    @Override
                    public void onGoAwayRead(ChannelHandlerContext c, int lastStreamId, long code, ByteBuf debug) {
                        goAway = true;
                        errorCode = code;
                    }
                });
                pending = Unpooled.copiedBuffer(all);
            } finally {
                all.release();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            pending.release();
            reader.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (error == null) {
                error = cause;
            }
            ctx.close();
        }
    }
}
