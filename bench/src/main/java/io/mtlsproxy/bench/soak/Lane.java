package io.mtlsproxy.bench.soak;

import io.mtlsproxy.bench.pki.BenchPki;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One connection slot of a {@link Flow}, living on one event loop for the whole soak: connect and handshake,
 * send, read the answer (counted as it streams, never aggregated), judge it, pause, and go again on the same
 * connection (keep-alive) or a new one. A connection the server closes between requests is simply reopened; one
 * closed under a request is a {@code reset}. Every method runs on the loop.
 */
final class Lane {
    private static final long RETRY_MILLIS = 100;
    private static final int KEPT_TEXT = 64;

    private final Traffic traffic;
    private final Flow flow;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final int port;
    private final byte[] upload;
    private Channel channel;
    private boolean inFlight;
    private boolean failedLast;
    private boolean done;
    private long started;
    private int status;
    private boolean keepAlive;
    private long bodyBytes;
    private final StringBuilder text = new StringBuilder();
    private ScheduledFuture<?> timeout;

    Lane(Traffic traffic, Flow flow, EventLoop loop, SslContext tls, int port) {
        this.traffic = traffic;
        this.flow = flow;
        this.loop = loop;
        this.port = port;
        this.upload = new byte[flow.uploadBytes()];
        this.bootstrap = traffic.bootstrap(loop).handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                SslHandler ssl = tls.newHandler(ch.alloc(), BenchPki.PROXY_NAME, port);
                ssl.setHandshakeTimeout(Traffic.REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                ch.pipeline().addLast("tls", ssl);
                ch.pipeline().addLast("http", new HttpClientCodec());
                ch.pipeline().addLast("answer", new Answer(ch));
            }
        });
    }

    void start() {
        loop.execute(this::connect);
    }

    private void connect() {
        if (traffic.stopping()) {
            finish();
            return;
        }
        long attempt = System.nanoTime();
        bootstrap.connect("127.0.0.1", port).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                traffic.outcomes()
                        .failed(
                                flow,
                                "connect",
                                attempt,
                                System.nanoTime(),
                                f.cause().toString());
                loop.schedule(this::connect, RETRY_MILLIS, TimeUnit.MILLISECONDS);
                return;
            }
            Channel ch = f.channel();
            channel = ch;
            SslHandler ssl = ch.pipeline().get(SslHandler.class);
            ssl.handshakeFuture().addListener((Future<Channel> hf) -> handshaken(ch, ssl, hf, attempt));
        });
    }

    private void handshaken(Channel ch, SslHandler ssl, Future<Channel> hf, long attempt) {
        if (ch != channel) {
            return;
        }
        if (!hf.isSuccess()) {
            traffic.outcomes().failed(flow, "tls", attempt, System.nanoTime(), "handshake: " + hf.cause());
            failedLast = true;
            ch.close();
            return;
        }
        try {
            var peer = (X509Certificate) ssl.engine().getSession().getPeerCertificates()[0];
            traffic.outcomes().connected(flow, peer.getSerialNumber());
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            // cannot happen after a verified handshake; the request will tell
        }
        failedLast = false;
        send(ch);
    }

    private void send(Channel ch) {
        if (ch != channel || !ch.isActive()) {
            return; // closed meanwhile: closed() reconnects
        }
        if (traffic.stopping()) {
            ch.close();
            return;
        }
        FullHttpRequest req = new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1,
                HttpMethod.valueOf(flow.method()),
                flow.path(),
                upload.length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(upload));
        req.headers().set(HttpHeaderNames.HOST, BenchPki.PROXY_NAME);
        req.headers().set(HttpHeaderNames.USER_AGENT, "mtls-bench-soak");
        if (upload.length > 0) {
            req.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, upload.length);
            req.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
        }
        if (flow.newConnection()) {
            req.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        inFlight = true;
        started = System.nanoTime();
        status = 0;
        keepAlive = true;
        bodyBytes = 0;
        text.setLength(0);
        timeout = loop.schedule(() -> timedOut(ch), Traffic.REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        ch.writeAndFlush(req, ch.voidPromise());
    }

    private void head(Channel ch, int code, boolean keepAliveAnswer) {
        if (ch == channel && inFlight) {
            status = code;
            keepAlive = keepAliveAnswer;
        }
    }

    private void body(Channel ch, ByteBuf content) {
        if (ch == channel && inFlight) {
            bodyBytes += content.readableBytes();
            if (flow.expectedText() != null && text.length() < KEPT_TEXT) {
                int n = Math.min(content.readableBytes(), KEPT_TEXT - text.length());
                text.append(content.toString(content.readerIndex(), n, StandardCharsets.US_ASCII));
            }
        }
    }

    private void end(Channel ch) {
        if (ch != channel || !inFlight) {
            return;
        }
        inFlight = false;
        timeout.cancel(false);
        long now = System.nanoTime();
        if (status != 200) {
            traffic.outcomes().failed(flow, "status " + status, started, now, "HTTP " + status);
        } else if (flow.expectedText() != null
                && !(bodyBytes == flow.expectedText().length()
                        && text.toString().equals(flow.expectedText()))) {
            traffic.outcomes().failed(flow, "body", started, now, bodyBytes + " bytes starting \"" + text + "\"");
        } else if (flow.expectedText() == null && bodyBytes != flow.expectedBytes()) {
            traffic.outcomes()
                    .failed(flow, "body", started, now, bodyBytes + " bytes (expected: " + flow.expectedBytes() + ")");
        } else {
            traffic.outcomes().ok(flow);
        }
        if (flow.newConnection() || !keepAlive) {
            ch.close(); // closed() opens the next connection after the pause
        } else {
            loop.schedule(() -> send(ch), flow.pause().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void timedOut(Channel ch) {
        if (ch == channel && inFlight) {
            inFlight = false;
            failedLast = true;
            traffic.outcomes()
                    .failed(
                            flow,
                            "timeout",
                            started,
                            System.nanoTime(),
                            "no answer within " + Traffic.REQUEST_TIMEOUT.toSeconds() + " s");
            ch.close();
        }
    }

    private void malformed(Channel ch, String why) {
        if (ch == channel && inFlight) {
            inFlight = false;
            timeout.cancel(false);
            failedLast = true;
            traffic.outcomes().failed(flow, "body", started, System.nanoTime(), why);
            ch.close();
        }
    }

    private void closed(Channel ch) {
        if (ch != channel) {
            return;
        }
        channel = null;
        if (inFlight) {
            inFlight = false;
            timeout.cancel(false);
            failedLast = true;
            traffic.outcomes().failed(flow, "reset", started, System.nanoTime(), "connection closed under a request");
        }
        if (traffic.stopping()) {
            finish();
            return;
        }
        long delay =
                failedLast ? RETRY_MILLIS : flow.newConnection() ? flow.pause().toMillis() : 0;
        loop.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    private void finish() {
        if (!done) {
            done = true;
            traffic.laneDone();
        }
    }

    /** Reads one connection's answers and reports them to the lane. */
    private final class Answer extends ChannelInboundHandlerAdapter {
        private final Channel ch;

        Answer(Channel ch) {
            this.ch = ch;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpObject o && o.decoderResult().isFailure()) {
                    malformed(ch, "malformed answer: " + o.decoderResult().cause());
                    return;
                }
                if (msg instanceof HttpResponse r) {
                    head(ch, r.status().code(), HttpUtil.isKeepAlive(r));
                }
                if (msg instanceof HttpContent c) {
                    body(ch, c.content());
                }
                if (msg instanceof LastHttpContent) {
                    end(ch);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closed(ch);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
