package io.mtlsproxy.core.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * nginx's lingering close, for a connection refused with a last word (a TLS alert, a 400): when armed, a close
 * first sends what was written, shuts the output, then reads and drops what the client still sends, for up to
 * {@link #LINGER_MILLIS} or until it closes. Why: a TLS 1.3 client sends its request before it reads the alert
 * that refuses its certificate; closing with that request unread makes the kernel answer with a reset, and the
 * client loses the alert it had not read yet. Goes first in the pipeline so that it sees the raw bytes; it is put
 * there when armed, so that a connection that is never refused carries no handler for it (on every read and close).
 */
public final class LingeringClose extends ChannelDuplexHandler {
    public static final long LINGER_MILLIS = 1000;
    private static final String NAME = "lingering-close";
    private static final AttributeKey<Boolean> ARMED = AttributeKey.valueOf("mtls-proxy.lingering-close");

    private boolean lingering;

    /** The next close of {@code channel} lingers. */
    public static void arm(Channel channel) {
        channel.attr(ARMED).set(Boolean.TRUE);
        ChannelPipeline p = channel.pipeline();
        if (p.get(NAME) == null) {
            p.addFirst(NAME, new LingeringClose());
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        Channel ch = ctx.channel();
        if (lingering) {
            ch.closeFuture().addListener(f -> promise.trySuccess());
            return;
        }
        if (!Boolean.TRUE.equals(ch.attr(ARMED).get()) || !(ch instanceof DuplexChannel duplex) || !ch.isActive()) {
            ctx.close(promise);
            return;
        }
        lingering = true;
        ch.closeFuture().addListener(f -> promise.trySuccess());
        ScheduledFuture<?> timer = ctx.executor()
                .schedule(
                        () -> {
                            ctx.close();
                        },
                        LINGER_MILLIS,
                        TimeUnit.MILLISECONDS);
        ch.closeFuture().addListener(f -> timer.cancel(false));
        OutputShutdown.afterWrites(ctx, duplex).addListener(f -> {
            if (f.isSuccess()) {
                ctx.read();
            } else {
                ctx.close();
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!lingering) {
            ctx.fireChannelRead(msg);
            return;
        }
        ReferenceCountUtil.release(msg);
        ctx.read(); // AUTO_READ is off
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!lingering) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (lingering && evt instanceof ChannelInputShutdownEvent) {
            ctx.close(); // the client is done too
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (lingering) {
            ctx.close(); // e.g. the client's reset: nothing left to say
            return;
        }
        ctx.fireExceptionCaught(cause);
    }
}
