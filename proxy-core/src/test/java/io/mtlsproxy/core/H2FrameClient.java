package io.mtlsproxy.core;

import static io.mtlsproxy.core.H2Frames.ACK;
import static io.mtlsproxy.core.H2Frames.DATA;
import static io.mtlsproxy.core.H2Frames.END_STREAM;
import static io.mtlsproxy.core.H2Frames.GOAWAY;
import static io.mtlsproxy.core.H2Frames.HEADERS;
import static io.mtlsproxy.core.H2Frames.RST_STREAM;
import static io.mtlsproxy.core.H2Frames.SETTINGS;
import static io.mtlsproxy.core.H2Frames.WINDOW_UPDATE;
import static io.mtlsproxy.core.H2Frames.block;
import static io.mtlsproxy.core.H2Frames.frame;
import static io.mtlsproxy.core.H2Frames.headers;

import io.mtlsproxy.core.testing.TestPki;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * An HTTP/2 client that writes frames byte by byte, so that it can send what no real client would (frames on the
 * wrong stream, bad lengths, pseudo-headers out of order, floods; the bytes come from {@link H2Frames}), and records
 * every frame the server answers with. TLS with ALPN {@code h2} only, over loopback.
 */
final class H2FrameClient implements AutoCloseable {
    /**
     * A frame the server sent. {@code code}: RST_STREAM's or GOAWAY's error code, WINDOW_UPDATE's increment;
     * {@code data}: a DATA payload.
     */
    record Frame(int type, int stream, int flags, long code, int lastStreamId, Http2Headers headers, String data) {
        boolean endStream() {
            return (flags & END_STREAM) != 0;
        }
    }

    /** A response on one stream: its status and body. */
    record Response(int status, String body) {}

    private final EventLoopGroup group;
    private volatile Channel ch;
    private final List<Frame> frames = new CopyOnWriteArrayList<>();
    private final ReadGate gate = new ReadGate();
    private boolean prefaceSent; // event loop only
    private boolean settingsAckOwed;

    private H2FrameClient(EventLoopGroup group) {
        this.group = group;
    }

    /** A client context with ALPN h2 only, trusting {@code ca} and presenting {@code client} (null: none). */
    static SslContext context(Path ca, TestPki.Leaf client) throws Exception {
        SslContextBuilder b = SslContextBuilder.forClient()
                .trustManager(ca.toFile())
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2));
        if (client != null) {
            b.keyManager(client.certFile().toFile(), client.keyFile().toFile());
        }
        return b.build();
    }

    /** Connects with SNI {@code sni}, completes the handshake and checks that h2 was chosen; sends nothing yet. */
    static H2FrameClient connect(int port, SslContext ssl, String sni) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            H2FrameClient self = new H2FrameClient(group);
            SslHandler[] tlsHandler = new SslHandler[1];
            Channel ch = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                    // a small, fixed receive buffer: a client that stops reading is felt by the server at once
                    .option(ChannelOption.SO_RCVBUF, 32 * 1024)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            tlsHandler[0] = ssl.newHandler(c.alloc(), sni, port);
                            c.pipeline().addLast("read-gate", self.gate);
                            c.pipeline().addLast("tls", tlsHandler[0]);
                            c.pipeline().addLast("frames", new FrameRecorder(self));
                        }
                    })
                    .connect("127.0.0.1", port)
                    .sync()
                    .channel();
            self.ch = ch;
            SslHandler tls = tlsHandler[0];
            if (!tls.handshakeFuture().await(5, TimeUnit.SECONDS)
                    || !tls.handshakeFuture().isSuccess()) {
                throw new IllegalStateException(
                        "TLS handshake failed", tls.handshakeFuture().cause());
            }
            if (!ApplicationProtocolNames.HTTP_2.equals(tls.applicationProtocol())) {
                throw new IllegalStateException("the server did not choose h2: " + tls.applicationProtocol());
            }
            return self;
        } catch (Exception | Error e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /**
     * A connection that has sent its preface and acked the server's SETTINGS, so that the ack cannot fall into the
     * middle of a header block the test sends.
     */
    static H2FrameClient open(int port, SslContext ssl, String sni) throws Exception {
        H2FrameClient c = connect(port, ssl, sni).preface();
        c.await(f -> f.type() == SETTINGS && f.flags() == 0, "the server's SETTINGS");
        return c;
    }

    /** The connection preface and an empty SETTINGS frame, as every client starts. */
    H2FrameClient preface() {
        ch.eventLoop()
                .submit(() -> {
                    ch.write(Unpooled.wrappedBuffer(
                            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
                    ch.write(Unpooled.wrappedBuffer(frame(SETTINGS, 0, 0, new byte[0])));
                    prefaceSent = true;
                    if (settingsAckOwed) {
                        ch.write(Unpooled.wrappedBuffer(frame(SETTINGS, ACK, 0, new byte[0])));
                    }
                    ch.flush();
                })
                .syncUninterruptibly();
        return this;
    }

    /** The client acks the server's SETTINGS, but never before its own preface (on the event loop). */
    private void ackSettings(Channel c) {
        if (prefaceSent) {
            c.writeAndFlush(Unpooled.wrappedBuffer(frame(SETTINGS, ACK, 0, new byte[0])));
        } else {
            settingsAckOwed = true;
        }
    }

    /** Writes the byte arrays in order and flushes once; waits until they are written (or the write failed). */
    H2FrameClient send(byte[]... parts) {
        for (byte[] part : parts) {
            ch.write(Unpooled.wrappedBuffer(part));
        }
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).awaitUninterruptibly(10, TimeUnit.SECONDS);
        return this;
    }

    /** Stops or resumes reading the server's bytes (a client that never reads its acks). */
    void reading(boolean read) {
        ch.eventLoop().submit(() -> gate.open(ch, read)).syncUninterruptibly();
    }

    /** A GET of {@code path} on {@code stream}, with END_STREAM. */
    H2FrameClient get(int stream, String path) {
        return send(headers(
                stream,
                true,
                true,
                block(":method", "GET", ":scheme", "https", ":authority", "localhost", ":path", path)));
    }

    /** Waits for the first recorded frame that matches (seen before or arriving within 10 s). */
    Frame await(Predicate<Frame> which, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (Frame f : frames) {
                if (which.test(f)) {
                    return f;
                }
            }
            Thread.sleep(2);
        }
        throw new AssertionError("no " + what + " within 10 s; frames: " + summary());
    }

    Frame awaitGoAway() throws InterruptedException {
        return await(f -> f.type() == GOAWAY, "GOAWAY");
    }

    Frame awaitReset(int stream) throws InterruptedException {
        return await(f -> f.type() == RST_STREAM && f.stream() == stream, "RST_STREAM on stream " + stream);
    }

    /** Waits for a complete response on {@code stream}; fails when the stream is reset instead. */
    Response awaitResponse(int stream) throws InterruptedException {
        Frame end = await(
                f -> f.stream() == stream && (f.endStream() || f.type() == RST_STREAM),
                "a response on stream " + stream);
        if (end.type() == RST_STREAM) {
            throw new AssertionError("stream " + stream + " was reset (" + end.code() + "): " + summary());
        }
        int status = -1;
        StringBuilder body = new StringBuilder();
        for (Frame f : frames) {
            if (f.stream() == stream && f.type() == HEADERS && f.headers().status() != null && status < 0) {
                status = Integer.parseInt(f.headers().status().toString());
            } else if (f.stream() == stream && f.type() == DATA) {
                body.append(f.data());
            }
        }
        return new Response(status, body.toString());
    }

    /** Sends FIN: the client is done (a server that lingers after its GOAWAY may close now). */
    void shutdownOutput() {
        ((SocketChannel) ch).shutdownOutput().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** True when the server closed the connection within {@code seconds}. */
    boolean awaitClosed(int seconds) throws InterruptedException {
        return ch.closeFuture().await(seconds, TimeUnit.SECONDS);
    }

    /** True once the server sent GOAWAY: a flood stops there, or its writes would reset the answer away. */
    boolean goneAway() {
        return frames.stream().anyMatch(f -> f.type() == GOAWAY);
    }

    boolean isOpen() {
        return ch.isActive();
    }

    List<Frame> frames() {
        return List.copyOf(frames);
    }

    /** The frames received, short, for failure messages. */
    String summary() {
        StringBuilder b = new StringBuilder();
        for (Frame f : frames) {
            b.append(
                            switch (f.type()) {
                                case DATA -> "DATA(" + f.stream() + ")";
                                case HEADERS ->
                                    "HEADERS(" + f.stream() + "," + f.headers().status() + ")";
                                case RST_STREAM -> "RST_STREAM(" + f.stream() + "," + f.code() + ")";
                                case GOAWAY ->
                                    "GOAWAY(last=" + f.lastStreamId() + "," + f.code() + "," + f.data() + ")";
                                default -> "type" + f.type() + "(" + f.stream() + ")";
                            })
                    .append(' ');
        }
        return b + (ch.isActive() ? "[open]" : "[closed]");
    }

    @Override
    public void close() {
        ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /**
     * Next to the socket: while closed, no read reaches it, whoever asks (the TLS and frame decoders ask for more
     * themselves when AUTO_READ is off), so the server's bytes stay in the socket.
     */
    private static final class ReadGate extends ChannelOutboundHandlerAdapter {
        private boolean closed;

        void open(Channel c, boolean open) {
            closed = !open;
            c.config().setAutoRead(open);
            if (open) {
                c.read();
            }
        }

        @Override
        public void read(ChannelHandlerContext ctx) {
            if (!closed) {
                ctx.read();
            }
        }
    }

    /** Decodes the server's frames (acking its SETTINGS, as a client must) into the list. */
    private static final class FrameRecorder extends ByteToMessageDecoder {
        private final H2FrameClient client;
        private final DefaultHttp2FrameReader reader = new DefaultHttp2FrameReader(false);

        FrameRecorder(H2FrameClient client) {
            this.client = client;
            try {
                reader.maxFrameSize(Http2CodecUtil.MAX_FRAME_SIZE_UPPER_BOUND);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            List<Frame> frames = client.frames;
            reader.readFrame(ctx, in, new Http2FrameAdapter() {
                @Override
                public int onDataRead(ChannelHandlerContext c, int stream, ByteBuf data, int padding, boolean end) {
                    frames.add(new Frame(
                            DATA, stream, end ? END_STREAM : 0, 0, 0, null, data.toString(StandardCharsets.UTF_8)));
                    return data.readableBytes() + padding;
                }

                @Override
                public void onHeadersRead(
                        ChannelHandlerContext c, int stream, Http2Headers headers, int padding, boolean end) {
                    frames.add(new Frame(HEADERS, stream, end ? END_STREAM : 0, 0, 0, headers, null));
                }

                @Override
                public void onHeadersRead(
                        ChannelHandlerContext c,
                        int stream,
                        Http2Headers headers,
                        int dependency,
                        short weight,
                        boolean exclusive,
                        int padding,
                        boolean end) {
                    onHeadersRead(c, stream, headers, padding, end);
                }

                @Override
                public void onWindowUpdateRead(ChannelHandlerContext c, int stream, int increment) {
                    frames.add(new Frame(WINDOW_UPDATE, stream, 0, increment, 0, null, null));
                }

                @Override
                public void onRstStreamRead(ChannelHandlerContext c, int stream, long code) {
                    frames.add(new Frame(RST_STREAM, stream, 0, code, 0, null, null));
                }

                @Override
                public void onSettingsRead(ChannelHandlerContext c, Http2Settings settings) {
                    frames.add(new Frame(SETTINGS, 0, 0, 0, 0, null, settings.toString()));
                    client.ackSettings(c.channel());
                }

                @Override
                public void onSettingsAckRead(ChannelHandlerContext c) {
                    frames.add(new Frame(SETTINGS, 0, ACK, 0, 0, null, null));
                }

                @Override
                public void onGoAwayRead(ChannelHandlerContext c, int last, long code, ByteBuf debug) {
                    frames.add(new Frame(GOAWAY, 0, 0, code, last, null, debug.toString(StandardCharsets.UTF_8)));
                }
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset by the server, or a frame this reader refuses: the connection is over either way
        }

        @Override
        protected void handlerRemoved0(ChannelHandlerContext ctx) {
            reader.close();
        }
    }
}
