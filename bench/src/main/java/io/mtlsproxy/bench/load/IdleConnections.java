package io.mtlsproxy.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Many connections that complete their TLS handshake and then send nothing: what a load balancer's pool of
 * idle connections costs a proxy. Opened a bounded number at a time (so the listen backlog never overflows),
 * held until {@link #close()}.
 */
public final class IdleConnections implements AutoCloseable {
    /** Handshakes in progress at once while opening. */
    private static final int IN_PROGRESS = 64;

    private final ChannelGroup open = new DefaultChannelGroup("idle", GlobalEventExecutor.INSTANCE);
    private final AtomicLong connectErrors = new AtomicLong();
    private final AtomicLong tlsErrors = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>("");
    private final int requested;
    private int established;

    private IdleConnections(int requested) {
        this.requested = requested;
    }

    /** Opens {@code count} connections to {@code port}, handshaking with {@code tls}; blocks until all were tried. */
    public static IdleConnections open(
            LoadGenerator loader, int port, String serverName, Optional<SslContext> tls, int count, Duration timeout)
            throws InterruptedException {
        IdleConnections idle = new IdleConnections(count);
        Semaphore slots = new Semaphore(IN_PROGRESS);
        Bootstrap b = new Bootstrap()
                .group(loader.group())
                .channel(loader.channelType())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout.toMillis())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        tls.ifPresent(t -> {
                            SslHandler ssl = t.newHandler(ch.alloc(), serverName, port);
                            ssl.setHandshakeTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
                            ch.pipeline().addLast("tls", ssl);
                        });
                        ch.pipeline().addLast("discard", new Discard());
                    }
                });
        for (int i = 0; i < count; i++) {
            slots.acquire();
            b.connect("127.0.0.1", port).addListener((ChannelFuture f) -> {
                if (!f.isSuccess()) {
                    idle.connectErrors.incrementAndGet();
                    idle.lastError.set("connect: " + f.cause());
                    slots.release();
                    return;
                }
                SslHandler ssl = f.channel().pipeline().get(SslHandler.class);
                if (ssl == null) {
                    idle.open.add(f.channel());
                    slots.release();
                    return;
                }
                ssl.handshakeFuture().addListener((Future<Channel> hf) -> {
                    if (hf.isSuccess()) {
                        idle.open.add(f.channel());
                    } else {
                        idle.tlsErrors.incrementAndGet();
                        idle.lastError.set("handshake: " + hf.cause());
                    }
                    slots.release();
                });
            });
        }
        if (!slots.tryAcquire(IN_PROGRESS, timeout.toMillis() * 2, TimeUnit.MILLISECONDS)) {
            idle.lastError.set("handshakes still in progress after " + timeout.toMillis() * 2 + " ms");
        }
        idle.established = idle.open.size();
        return idle;
    }

    public int requested() {
        return requested;
    }

    /** Connections that completed their handshake. */
    public int established() {
        return established;
    }

    /** Connections still open now (a peer may have closed some). */
    public int stillOpen() {
        return open.size();
    }

    public ErrorCounts errors() {
        long closed = Math.max(0, established - open.size());
        return new ErrorCounts(0, 0, closed, 0, connectErrors.get(), tlsErrors.get());
    }

    public String lastError() {
        return lastError.get();
    }

    @Override
    public void close() {
        open.close().awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    /** Idle connections expect nothing; anything that arrives is dropped. */
    private static final class Discard extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
