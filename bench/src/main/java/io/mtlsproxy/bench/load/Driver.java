package io.mtlsproxy.bench.load;

import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;

/**
 * One client connection slot of the load generator, living on one event loop: connects (and handshakes),
 * sends a request, reads the answer, records it, and decides what comes next: the next request on the same
 * connection (keep-alive), a fresh connection (new connection per request, or the server closed), or the end.
 * Every method runs on the loop.
 */
final class Driver implements LoadConnection {
    private static final long RETRY_DELAY_MILLIS = 10;

    private final LoopContext ctx;
    private final LoadSpec spec;
    private final Bootstrap bootstrap;
    private Channel channel;
    private boolean finished;
    private boolean inFlight;
    private boolean closingOnPurpose;
    private boolean lastAttemptFailed;
    /** When the current request was due (open loop), sent (closed loop), or its connection began (new connection). */
    private long intended;
    private long inFlightSince;
    private long attemptStart;
    private int status;
    private boolean keepAlive;
    private long bodyBytes;

    Driver(LoopContext ctx) {
        this.ctx = ctx;
        this.spec = ctx.spec;
        this.bootstrap = ctx.bootstrap().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ChannelPipeline p = ch.pipeline();
                spec.tls().ifPresent(tls -> {
                    SslHandler ssl = tls.newHandler(ch.alloc(), spec.serverName(), spec.port());
                    ssl.setHandshakeTimeout(spec.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
                    p.addLast("tls", ssl);
                });
                p.addLast("http", new HttpClientCodec());
                p.addLast("answer", new AnswerHandler(Driver.this, ch));
            }
        });
    }

    @Override
    public void start() {
        connect();
    }

    private void connect() {
        if (finished) {
            return;
        }
        long now = System.nanoTime();
        if (ctx.clock.over(now) && !(spec.openLoop() && ctx.workLeft())) {
            finish();
            return;
        }
        attemptStart = now;
        closingOnPurpose = false;
        bootstrap.connect(spec.host(), spec.port()).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                ctx.errors.connect++;
                ctx.error("connect: " + f.cause());
                lastAttemptFailed = true;
                ctx.loop.schedule(this::connect, RETRY_DELAY_MILLIS, TimeUnit.MILLISECONDS);
                return;
            }
            channel = f.channel();
            SslHandler ssl = channel.pipeline().get(SslHandler.class);
            if (ssl == null) {
                connected();
            } else {
                Channel ch = channel;
                ssl.handshakeFuture().addListener((Future<Channel> hf) -> handshaken(ch, ssl, hf));
            }
        });
    }

    private void handshaken(Channel ch, SslHandler ssl, Future<Channel> hf) {
        if (ch != channel) {
            return;
        }
        if (!hf.isSuccess()) {
            ctx.errors.tls++;
            ctx.error("handshake: " + hf.cause());
            lastAttemptFailed = true;
            ch.close();
            return;
        }
        ctx.handshaken(attemptStart, ssl);
        connected();
    }

    private void connected() {
        lastAttemptFailed = false;
        if (spec.newConnectionPerRequest()) {
            send(attemptStart);
        } else {
            next();
        }
    }

    private void next() {
        if (finished) {
            return;
        }
        if (spec.openLoop()) {
            ctx.ready(this);
        } else if (ctx.clock.over(System.nanoTime())) {
            finish();
        } else {
            send(System.nanoTime());
        }
    }

    void send(long intendedNanos) {
        if (channel == null || !channel.isActive()) {
            // The server closed this idle connection and closed() is about to reconnect; in open loop the
            // request goes back to the head of the queue for whichever connection is free first.
            if (spec.openLoop()) {
                ctx.requeue(intendedNanos);
            }
            return;
        }
        intended = intendedNanos;
        inFlight = true;
        inFlightSince = System.nanoTime();
        status = 0;
        bodyBytes = 0;
        keepAlive = true;
        channel.writeAndFlush(ctx.request(), channel.voidPromise());
    }

    // ---- the answer, from AnswerHandler ----------------------------------------------------------------------

    void head(Channel ch, int code, boolean keepAliveAnswer) {
        if (ch == channel && inFlight) {
            status = code;
            keepAlive = keepAliveAnswer;
        }
    }

    void body(Channel ch, int bytes) {
        if (ch == channel && inFlight) {
            bodyBytes += bytes;
        }
    }

    void end(Channel ch) {
        if (ch != channel || !inFlight) {
            return;
        }
        inFlight = false;
        ctx.completed(intended, System.nanoTime(), status, bodyBytes);
        if (spec.newConnectionPerRequest() || !keepAlive) {
            closingOnPurpose = true;
            ch.close();
        } else {
            next();
        }
    }

    void malformed(Channel ch, String why) {
        if (ch == channel) {
            ctx.errors.body++;
            ctx.error(why);
            inFlight = false;
            ch.close();
        }
    }

    void failed(Channel ch, Throwable cause) {
        if (ch == channel) {
            ctx.error(cause.toString());
        }
        ch.close();
    }

    void closed(Channel ch) {
        if (ch != channel) {
            return;
        }
        channel = null;
        if (spec.openLoop()) {
            ctx.notReady(this);
        }
        if (inFlight) {
            inFlight = false;
            ctx.errors.reset++;
            ctx.error("connection closed under a request");
            lastAttemptFailed = true;
        }
        if (finished) {
            return;
        }
        if (!closingOnPurpose) {
            ctx.reconnected();
        }
        if (lastAttemptFailed) {
            ctx.loop.schedule(this::connect, RETRY_DELAY_MILLIS, TimeUnit.MILLISECONDS);
        } else {
            connect();
        }
    }

    // ---- ends -------------------------------------------------------------------------------------------

    @Override
    public void checkTimeout(long now) {
        if (inFlight && now - inFlightSince > spec.requestTimeout().toNanos()) {
            inFlight = false;
            ctx.errors.timeout++;
            ctx.error("no answer within " + spec.requestTimeout().toMillis() + " ms");
            lastAttemptFailed = true;
            if (channel != null) {
                channel.close();
            }
        }
    }

    @Override
    public void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (channel != null) {
            closingOnPurpose = true;
            channel.close();
        }
        ctx.driverDone();
    }

    @Override
    public void abort() {
        if (finished) {
            return;
        }
        if (inFlight) {
            inFlight = false;
            ctx.errors.timeout++;
            ctx.error("still waiting for an answer at the deadline");
        }
        finished = true;
        if (channel != null) {
            channel.close();
        }
    }
}
