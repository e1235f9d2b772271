package io.mtlsproxy.core.inbound;

import static java.util.Objects.requireNonNull;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * A listener's {@code max-connections}: a connection past the limit is closed at once, before any TLS work is
 * spent on it. So is any new connection while the heap is nearly full of live objects ({@link HeapPressure}). The counter is the listener's {@code mtls_proxy_active_connections} gauge; the limit is read per
 * connection, so a reload applies to new connections.
 */
@ChannelHandler.Sharable
public final class ConnectionLimit extends ChannelInboundHandlerAdapter {
    private final AtomicInteger active;
    private final IntSupplier limit;

    public ConnectionLimit(AtomicInteger active, IntSupplier limit) {
        this.active = requireNonNull(active, "active");
        this.limit = requireNonNull(limit, "limit");
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (HeapPressure.high()) {
            ctx.close(); // the heap is nearly full of live connections: one more could cost all of them
            return;
        }
        if (active.incrementAndGet() > limit.getAsInt()) {
            active.decrementAndGet();
            ctx.close();
            return;
        }
        ctx.channel().closeFuture().addListener(f -> active.decrementAndGet());
        ctx.pipeline().remove(this);
        ctx.fireChannelActive();
    }
}
