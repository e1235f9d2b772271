package io.mtlsproxy.core.inbound;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * {@code request-header-timeout}: a request's head must be complete within the limit of its first byte (of the
 * connection's start, for the first request). It has two named parts around the HTTP decoder: the
 * {@linkplain #headStart() head-start watcher} before it sees the first raw byte of a request, this handler after
 * it sees the decoded head. When time runs out it fires {@link Expired} down the pipeline: the proxy handler
 * answers 408 when part of a head had arrived, else just closes. Waiting idle between keep-alive requests is the
 * business of {@code idle-timeout}, not of this one.
 */
public final class RequestHeaderTimeout extends ChannelDuplexHandler {
    /** The event fired when a head did not arrive in time; {@code partial} when some of it had. */
    public record Expired(boolean partial) {
    }

    private final long timeoutNanos;
    private ScheduledFuture<?> timer;
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
                    arm(ctx.pipeline().context(RequestHeaderTimeout.this));
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
        if (msg instanceof LastHttpContent && !(msg instanceof HttpResponse r
                && r.status().codeClass() == HttpStatusClass.INFORMATIONAL)) {
            // the final response is complete: the next request's clock starts with its first byte
            responseOpen = false;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel(); // the connection turned to another protocol (HTTP/2, WebSocket, TCP)
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel();
        super.channelInactive(ctx);
    }

    private void arm(ChannelHandlerContext ctx) {
        if (timer != null || ctx == null || timeoutNanos <= 0) {
            return;
        }
        timer = ctx.executor().schedule(() -> {
            timer = null;
            if (idle() && ctx.channel().isActive()) {
                ctx.fireUserEventTriggered(new Expired(headStarted));
            }
        }, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
