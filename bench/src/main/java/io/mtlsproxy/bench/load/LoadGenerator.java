package io.mtlsproxy.bench.load;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Histogram;

/**
 * The load generator: a Netty client with a fixed number of event loops (one per core it was given), reused
 * for every run. {@link #run} drives one {@link LoadSpec} to its end and merges the loops' figures.
 */
public final class LoadGenerator implements AutoCloseable {
    /** How long after the end of a run answers may still come in before what is missing counts as timed out. */
    private static final long DRAIN_GRACE_MILLIS = 2_000;

    private final EventLoopGroup group;
    private final Class<? extends SocketChannel> channelType;
    private final List<EventLoop> loops = new ArrayList<>();

    public LoadGenerator(int threads) {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("bench-loader", true), io);
        this.channelType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        for (EventExecutor e : group) {
            loops.add((EventLoop) e);
        }
    }

    EventLoopGroup group() {
        return group;
    }

    Class<? extends SocketChannel> channelType() {
        return channelType;
    }

    /**
     * Told on the caller's thread when the measured window opens and when it closes, for figures read outside the
     * load generator over the same window (the peer's CPU time).
     */
    public interface WindowWatch {
        WindowWatch NONE = new WindowWatch() {
            @Override
            public void opened() {}

            @Override
            public void closed() {}
        };

        void opened();

        void closed();
    }

    public LoadResult run(LoadSpec spec) throws InterruptedException {
        return run(spec, WindowWatch.NONE);
    }

    public LoadResult run(LoadSpec spec, WindowWatch watch) throws InterruptedException {
        RunClock clock = RunClock.startingNow(spec.warmup(), spec.duration());
        int perLoopBase = spec.connections() / loops.size();
        int extra = spec.connections() % loops.size();
        List<LoopContext> contexts = new ArrayList<>();
        for (int i = 0; i < loops.size(); i++) {
            int n = perLoopBase + (i < extra ? 1 : 0);
            // Each loop schedules its share of the rate, in proportion to its connections.
            LoopContext ctx =
                    new LoopContext(loops.get(i), spec, clock, channelType, spec.rate() * n / spec.connections());
            for (int c = 0; c < n; c++) {
                ctx.add(spec.http2() ? new H2Driver(ctx) : new Driver(ctx));
            }
            contexts.add(ctx);
        }
        contexts.forEach(ctx -> ctx.loop.execute(ctx::start));
        // A run that stops early (a peer that does not speak h2, every connection refused) is not waited for.
        CompletableFuture<Void> allDone =
                CompletableFuture.allOf(contexts.stream().map(ctx -> ctx.done).toArray(CompletableFuture[]::new));
        awaitUntil(allDone, clock.measureFrom());
        watch.opened();
        awaitUntil(allDone, clock.end());
        watch.closed();

        long deadline =
                clock.end() + spec.requestTimeout().toNanos() + TimeUnit.MILLISECONDS.toNanos(DRAIN_GRACE_MILLIS);
        for (LoopContext ctx : contexts) {
            try {
                ctx.done.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                ctx.loop.execute(ctx::abort);
                awaitQuietly(ctx);
            } catch (ExecutionException e) {
                throw new IllegalStateException("load generator failed", e.getCause());
            }
        }
        List<LoopContext.Snapshot> snapshots = new ArrayList<>();
        for (LoopContext ctx : contexts) {
            try {
                snapshots.add(ctx.loop.submit(ctx::snapshot).get(10, TimeUnit.SECONDS));
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("cannot read the load generator's figures", e);
            }
        }
        return merge(snapshots, clock);
    }

    /** Returns at {@code nanoTime}, or earlier when {@code done} completes (however it completes). */
    private static void awaitUntil(CompletableFuture<Void> done, long nanoTime) throws InterruptedException {
        long wait = nanoTime - System.nanoTime();
        if (wait <= 0) {
            return;
        }
        try {
            done.get(wait, TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // the window's time came, or a loop failed: the caller's wait below reports that
        }
    }

    private static void awaitQuietly(LoopContext ctx) throws InterruptedException {
        try {
            ctx.done.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("load generator did not stop", e);
        }
    }

    private static LoadResult merge(List<LoopContext.Snapshot> snapshots, RunClock clock) {
        Histogram all = new Histogram(TimeUnit.HOURS.toMicros(1), 3);
        long requests = 0;
        long bytes = 0;
        long handshakes = 0;
        long resumed = 0;
        long reconnects = 0;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        ErrorCounts errors = ErrorCounts.NONE;
        String protocol = "";
        String cipher = "";
        String lastError = "";
        String alpn = "";
        for (LoopContext.Snapshot s : snapshots) {
            all.add(s.histogram());
            requests += s.requests();
            bytes += s.bodyBytes();
            handshakes += s.handshakes();
            resumed += s.resumed();
            reconnects += s.reconnects();
            first = Math.min(first, s.firstMeasured());
            last = Math.max(last, s.lastCompletion());
            errors = errors.plus(s.errors());
            protocol = protocol.isEmpty() ? s.tlsProtocol() : protocol;
            cipher = cipher.isEmpty() ? s.tlsCipher() : cipher;
            lastError = s.lastError().isEmpty() ? lastError : s.lastError();
            alpn = alpn.isEmpty() ? s.applicationProtocol() : alpn;
        }
        long from = requests > 0 ? first : clock.measureFrom();
        long to = Math.max(clock.end(), last);
        double window = (to - from) / 1e9;
        return new LoadResult(
                requests,
                window,
                all.getValueAtPercentile(50),
                all.getValueAtPercentile(99),
                all.getValueAtPercentile(99.9),
                all.getMaxValue(),
                bytes,
                handshakes,
                resumed,
                reconnects,
                errors,
                protocol,
                cipher,
                lastError,
                alpn);
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
