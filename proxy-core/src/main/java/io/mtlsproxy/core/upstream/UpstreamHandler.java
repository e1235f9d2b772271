package io.mtlsproxy.core.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.VoidChannelPromise;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of an upstream channel: hands the origin's response to the request that owns the channel
 * (its {@link Sink}). A channel parked in the pool has no sink; anything it reads then is unexpected and closes it.
 */
public final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    /** The request that currently uses this upstream channel. Called on the channel's event loop. */
    public interface Sink {
        void upstreamRead(HttpObject msg);

        void upstreamReadComplete();

        void upstreamWritabilityChanged();

        /** The channel failed or closed ({@code cause} null for a plain close). */
        void upstreamClosed(Throwable cause);
    }

    private static final AttributeKey<UpstreamHandler> KEY = AttributeKey.valueOf("mtls-proxy.upstream-relay");

    private Sink sink;
    private int uses;
    private ChannelHandlerContext ctx;
    private ChannelPromise untracked;

    /** The relay of an upstream channel: an attribute lookup instead of a walk along the pipeline. */
    public static UpstreamHandler of(Channel ch) {
        // the relay is an HTTP/1.1 origin connection's last handler: one step back from the tail, no search
        ChannelHandlerContext last = ch.pipeline().lastContext();
        if (last != null && last.handler() instanceof UpstreamHandler relay) {
            return relay;
        }
        UpstreamHandler h = ch.attr(KEY).get();
        return h != null ? h : ch.pipeline().get(UpstreamHandler.class);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        // HTTP/2 stream channels get real promises: their frame codec is not written with void ones in mind
        this.untracked =
                ctx.channel() instanceof Http2StreamChannel ? null : new VoidChannelPromise(ctx.channel(), false);
        ctx.channel().attr(KEY).set(this);
    }

    /**
     * The promise for a write to the origin whose outcome nobody waits for: as before, when nobody listened to
     * the write's own promise, a write that fails on I/O closes the channel and the sink learns it from
     * {@link Sink#upstreamClosed}. A void promise that fires nothing on HTTP/1.1 connections (no promise object per
     * request), a real one on HTTP/2 streams.
     */
    public ChannelPromise untrackedWrite() {
        return untracked != null ? untracked : ctx.newPromise();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        ctx.channel().attr(KEY).set(null);
    }

    public void attach(Sink sink) {
        this.sink = sink;
        uses++;
    }

    /** How many requests this connection carried (so far, including the current one). */
    public int uses() {
        return uses;
    }

    public void detach() {
        this.sink = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (sink != null && msg instanceof HttpObject http) {
            sink.upstreamRead(http);
        } else {
            // an origin talking on an idle pooled connection breaks request/response pairing: drop the connection
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (sink != null) {
            sink.upstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (sink != null) {
            sink.upstreamWritabilityChanged();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Sink s = sink;
        sink = null;
        if (s != null) {
            s.upstreamClosed(null);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Sink s = sink;
        sink = null;
        ctx.close();
        if (s != null) {
            s.upstreamClosed(cause);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && sink == null) {
            ctx.close(); // idle too long in the pool
        }
        ctx.fireUserEventTriggered(evt);
    }
}
