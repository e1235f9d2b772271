package io.mtlsproxy.core.timeout;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.Ticker;
import java.util.concurrent.TimeUnit;

/**
 * Fires {@link IdleStateEvent}s (the all-idle kind, first {@code FIRST_ALL_IDLE_STATE_EVENT}, then
 * {@code ALL_IDLE_STATE_EVENT} for each further period) when a channel has neither read nor written for the
 * timeout: what Netty's {@code IdleStateHandler(0, 0, timeout)} does, for less per message.
 * <p>
 * Why not IdleStateHandler: to learn when a write completes it turns every write's promise into a real one and
 * adds a listener to it, so each request on a keep-alive connection paid for a promise, a listener and its
 * notification on both the client and the origin connection, and no write could use a void promise. This
 * handler counts a write when it is handed on, not when it completes. For a timeout of seconds to minutes that
 * makes no difference worth a promise: the proxy writes only while the peer's socket accepts bytes (backpressure),
 * so a peer that stops reading stops the writes, and its connection goes idle from its last write as before.
 * <p>
 * Like the request-header timer, it keeps one timer per connection that re-checks the clock when it fires,
 * instead of rescheduling on each message.
 */
public final class IdleTimeout extends ChannelDuplexHandler {
    private final long timeoutNanos;
    private long lastActivity;
    private boolean reading;
    private boolean first = true;
    private ScheduledFuture<?> timer;
    private ChannelHandlerContext ctx;
    private Ticker ticker;

    public IdleTimeout(long timeout, TimeUnit unit) {
        this.timeoutNanos = unit.toNanos(timeout);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.ticker = ctx.executor().ticker(); // the loop's clock, which tests can move
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            start();
        }
    }

    @Override
    public void channelRegistered(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isActive()) {
            start();
        }
        super.channelRegistered(ctx);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start();
        super.channelActive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        stop();
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (reading) {
            reading = false;
            active();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        active();
        ctx.write(msg, promise);
    }

    private void active() {
        lastActivity = ticker.nanoTime();
        first = true;
    }

    private void start() {
        if (timer != null || timeoutNanos <= 0) {
            return;
        }
        lastActivity = ticker.nanoTime();
        schedule(timeoutNanos);
    }

    private void schedule(long delayNanos) {
        timer = ctx.executor().schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void check() {
        if (timer == null || !ctx.channel().isOpen()) {
            return; // stopped
        }
        long left = timeoutNanos - (ticker.nanoTime() - lastActivity);
        if (reading) {
            left = timeoutNanos; // a read in progress is activity
        }
        if (left > 0) {
            schedule(left);
            return;
        }
        schedule(timeoutNanos);
        IdleStateEvent event = first ? IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT : IdleStateEvent.ALL_IDLE_STATE_EVENT;
        first = false;
        ctx.fireUserEventTriggered(event);
    }

    private void stop() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
