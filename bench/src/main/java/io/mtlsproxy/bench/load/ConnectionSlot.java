package io.mtlsproxy.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * What {@link Driver} (HTTP/1.1) and {@link H2Driver} (HTTP/2) share: one connection at a time, opened (and
 * handshaken, when TLS) on the slot's event loop, counted when it fails, retried after a short pause when the last
 * attempt failed and at once otherwise, and closed on purpose at the end. Subclasses speak the protocol once
 * {@link #connected} and call {@link #reconnect} when their connection has closed. Every method runs on the loop.
 */
abstract class ConnectionSlot implements LoadConnection {
    private static final long RETRY_DELAY_MILLIS = 10;

    final LoopContext ctx;
    final LoadSpec spec;
    private Bootstrap bootstrap;
    /** The current connection; null between two. */
    Channel channel;

    boolean finished;
    /** The load generator closes the current connection itself: its end is no reconnect forced by the peer. */
    boolean closingOnPurpose;
    /** The last connection failed (connect, handshake, reset, timeout): the next attempt waits a little. */
    boolean lastAttemptFailed;
    /** When the current connection attempt began. */
    long attemptStart;

    ConnectionSlot(LoopContext ctx) {
        this.ctx = ctx;
        this.spec = ctx.spec;
    }

    /** Sets the pipeline of every connection; called once, from the subclass's constructor. */
    final void pipeline(ChannelInitializer<SocketChannel> initializer) {
        this.bootstrap = ctx.bootstrap().handler(initializer);
    }

    /** Whether the run still wants a connection at {@code now} (otherwise the slot finishes). */
    abstract boolean wantsConnection(long now);

    /** The connection is up, its handshake done when there is one ({@code ssl} is null without TLS). */
    abstract void connected(Channel ch, SslHandler ssl);

    @Override
    public void start() {
        connect();
    }

    final void connect() {
        if (finished) {
            return;
        }
        long now = System.nanoTime();
        if (!wantsConnection(now)) {
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
            Channel ch = f.channel();
            channel = ch;
            SslHandler ssl = ch.pipeline().get(SslHandler.class);
            if (ssl == null) {
                connected(ch, null);
            } else {
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
        connected(ch, ssl);
    }

    /** After the current connection closed: the next one, unless the slot is finished. */
    final void reconnect() {
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

    @Override
    public void finish() {
        if (finished) {
            return;
        }
        finished = true;
        closeOnPurpose();
        ctx.driverDone();
    }

    /** Ends the slot at the deadline without telling the loop (after {@code timedOut} counted what was waiting). */
    final void abortWith(Runnable timedOut) {
        if (finished) {
            return;
        }
        timedOut.run();
        finished = true;
        closeOnPurpose();
    }

    final void closeOnPurpose() {
        if (channel != null) {
            closingOnPurpose = true;
            channel.close();
        }
    }
}
