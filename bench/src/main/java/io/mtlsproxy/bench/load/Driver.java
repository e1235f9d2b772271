package io.mtlsproxy.bench.load;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.ssl.SslHandler;
import java.util.concurrent.TimeUnit;

/**
 * One client connection slot of the load generator, living on one event loop: connects (and handshakes),
 * sends a request, reads the answer, records it, and decides what comes next: the next request on the same
 * connection (keep-alive), a fresh connection (new connection per request, or the server closed), or the end.
 * Every method runs on the loop.
 */
final class Driver extends ConnectionSlot {
    private boolean inFlight;
    /** When the current request was due (open loop), sent (closed loop), or its connection began (new connection). */
    private long intended;

    private long inFlightSince;
    private int status;
    private boolean keepAlive;
    private long bodyBytes;

    Driver(LoopContext ctx) {
        super(ctx);
        pipeline(new ChannelInitializer<SocketChannel>() {
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

    /** Past the deadline only an open loop's requests still due get a connection. */
    @Override
    boolean wantsConnection(long now) {
        return !ctx.clock.over(now) || (spec.openLoop() && ctx.workLeft());
    }

    @Override
    void connected(Channel ch, SslHandler ssl) {
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
        reconnect();
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
    public void abort() {
        abortWith(() -> {
            if (inFlight) {
                inFlight = false;
                ctx.errors.timeout++;
                ctx.error("still waiting for an answer at the deadline");
            }
        });
    }
}
