package io.mtlsproxy.core.inbound;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code request-header-timeout}: a request's head must be complete within the limit of its first byte (of the
 * connection's start, for the first request). It has two named parts around the HTTP decoder: the
 * {@linkplain #headStart() head-start watcher} before it sees the first raw byte of a request, this handler after
 * it sees the decoded head. When time runs out it fires {@link Expired} down the pipeline: the proxy handler
 * answers 408 when part of a head had arrived, else just closes. Waiting idle between keep-alive requests is the
 * business of {@code idle-timeout}, not of this one.
 * <p>
 * Its timer is not scheduled and cancelled for every request (a keep-alive connection would pay a scheduled task
 * and two priority-queue updates per request): arming notes the time, and a timer that fires early, or finds the
 * watch ended, re-checks the clock and sleeps for the rest or ends.
 */
public final class RequestHeaderTimeout extends ChannelDuplexHandler {
    /** The event fired when a head did not arrive in time; {@code partial} when some of it had. */
    public record Expired(boolean partial) {}

    private final long timeoutNanos;
    private ScheduledFuture<?> timer;
    private ChannelHandlerContext timerCtx;
    private ChannelHandlerContext self;
    private boolean armed;
    private long armedAt;
    private boolean requestOpen;
    private boolean responseOpen;
    private boolean headStarted;

    public RequestHeaderTimeout(long timeoutMillis) {
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    /** The part that goes before the HTTP decoder (after TLS): notices the first byte of each request head. */
    public ChannelInboundHandlerAdapter headStart() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (idle() && !headStarted && msg instanceof ByteBuf b && b.isReadable()) {
                    headStarted = true;
                    arm(self != null ? self : ctx.pipeline().context(RequestHeaderTimeout.this));
                }
                ctx.fireChannelRead(msg);
            }
        };
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        arm(ctx); // a new connection owes its first request head within the limit
        super.channelActive(ctx);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        self = ctx;
        if (ctx.channel().isActive()) {
            arm(ctx);
        }
    }

    /** Between exchanges: the last request and its response are both complete. */
    private boolean idle() {
        return !requestOpen && !responseOpen;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            requestOpen = true;
            responseOpen = true;
            headStarted = false;
            cancel();
        }
        if (msg instanceof LastHttpContent) {
            requestOpen = false; // bytes after this belong to the next request's head
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof LastHttpContent
                && !(msg instanceof HttpResponse r && r.status().codeClass() == HttpStatusClass.INFORMATIONAL)) {
            // the final response is complete: the next request's clock starts with its first byte
            responseOpen = false;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop(); // the connection turned to another protocol (HTTP/2, WebSocket, TCP)
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        stop();
        super.channelInactive(ctx);
    }

    private void arm(ChannelHandlerContext ctx) {
        if (armed || ctx == null || timeoutNanos <= 0) {
            return; // an earlier arm (the connection's start) keeps its deadline
        }
        armed = true;
        armedAt = System.nanoTime();
        if (timer == null) {
            schedule(ctx, timeoutNanos);
        } // else the pending timer fires earlier than this deadline and sleeps again for the rest
    }

    private void schedule(ChannelHandlerContext ctx, long delayNanos) {
        timerCtx = ctx;
        timer = ctx.executor().schedule(this::expire, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void expire() {
        timer = null;
        if (!armed) {
            return;
        }
        long left = timeoutNanos - (System.nanoTime() - armedAt);
        if (left > 0) {
            schedule(timerCtx, left);
            return;
        }
        armed = false;
        if (idle() && timerCtx.channel().isActive()) {
            timerCtx.fireUserEventTriggered(new Expired(headStarted));
        }
    }

    /** The head arrived: nothing to watch until the next one starts. */
    private void cancel() {
        armed = false;
    }

    /** The connection closed or turned to another protocol. */
    private void stop() {
        armed = false;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
