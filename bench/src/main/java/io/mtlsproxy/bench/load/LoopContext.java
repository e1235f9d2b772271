package io.mtlsproxy.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslHandler;
import io.netty.internal.tcnative.SSL;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Everything one event loop of the load generator owns during a run: its connections, its latency histogram
 * and counters (touched only on the loop, so no locking), the open-loop schedule for its share of the rate,
 * and a sweeper that fails requests past their timeout.
 */
final class LoopContext {
    private static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);

    final EventLoop loop;
    final LoadSpec spec;
    final RunClock clock;
    final CompletableFuture<Void> done = new CompletableFuture<>();
    private final Class<? extends SocketChannel> channelType;
    private final List<LoadConnection> drivers = new ArrayList<>();
    private final HttpHeaders headers;
    private final Histogram histogram = new Histogram(HIGHEST_MICROS, 3);
    final ErrorCounts.Counter errors = new ErrorCounts.Counter();
    private long requests;
    private long bodyBytes;
    private long handshakes;
    private long resumed;
    private long reconnects;
    private long firstMeasured = Long.MAX_VALUE;
    private long lastCompletion = Long.MIN_VALUE;
    private String tlsProtocol = "";
    private String tlsCipher = "";
    private String lastError = "";
    private String applicationProtocol = "";
    private int running;
    private ScheduledFuture<?> sweeper;

    // Open loop: requests due but not yet sent, and connections waiting for one.
    private final double ratePerSecond;
    private long scheduled;
    private final ArrayDeque<Long> due = new ArrayDeque<>();
    private final ArrayDeque<Driver> idle = new ArrayDeque<>();
    private ScheduledFuture<?> ticker;

    LoopContext(
            EventLoop loop,
            LoadSpec spec,
            RunClock clock,
            Class<? extends SocketChannel> channelType,
            double ratePerSecond) {
        this.loop = loop;
        this.spec = spec;
        this.clock = clock;
        this.channelType = channelType;
        this.ratePerSecond = ratePerSecond;
        HttpHeaders h = new DefaultHttpHeaders();
        h.set(HttpHeaderNames.HOST, spec.serverName());
        h.set(HttpHeaderNames.USER_AGENT, "mtls-bench");
        if (spec.newConnectionPerRequest()) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        this.headers = h; // shared by every request of this loop, never changed after this point
    }

    void add(LoadConnection driver) {
        drivers.add(driver);
    }

    int driverCount() {
        return drivers.size();
    }

    Bootstrap bootstrap() {
        return new Bootstrap()
                .group(loop)
                .channel(channelType)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.min(spec.requestTimeout().toMillis(), 10_000));
    }

    FullHttpRequest request() {
        return new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1,
                HttpMethod.GET,
                spec.path(),
                Unpooled.EMPTY_BUFFER,
                headers,
                EmptyHttpHeaders.INSTANCE);
    }

    /** On the loop: starts every connection, the timeout sweeper and, in open loop, the schedule. */
    void start() {
        running = drivers.size();
        if (running == 0) {
            done.complete(null);
            return;
        }
        sweeper = loop.scheduleAtFixedRate(this::sweep, 20, 20, TimeUnit.MILLISECONDS);
        if (spec.openLoop()) {
            ticker = loop.scheduleAtFixedRate(this::tick, 0, 1, TimeUnit.MILLISECONDS);
        }
        drivers.forEach(LoadConnection::start);
    }

    // ---- open loop ----------------------------------------------------------------------------------------

    /** Queues every request that has come due, then hands them to idle connections. */
    private void tick() {
        long now = System.nanoTime();
        double nanosPerRequest = 1e9 / ratePerSecond;
        while (true) {
            long intended = clock.start() + (long) (scheduled * nanosPerRequest);
            if (intended > now || intended >= clock.end()) {
                break;
            }
            due.add(intended);
            scheduled++;
        }
        while (!idle.isEmpty() && !due.isEmpty()) {
            idle.poll().send(due.poll());
        }
        if (clock.over(now)) {
            ticker.cancel(false);
            while (!idle.isEmpty()) {
                idle.poll().finish();
            }
        }
    }

    /** A connection is free: give it the oldest due request, park it, or end it when the schedule is over. */
    void ready(Driver driver) {
        if (!due.isEmpty()) {
            driver.send(due.poll());
        } else if (clock.over(System.nanoTime())) {
            driver.finish();
        } else {
            idle.add(driver);
        }
    }

    void requeue(long intended) {
        due.addFirst(intended);
    }

    void notReady(Driver driver) {
        idle.remove(driver);
    }

    /** Open loop: requests are still due, so a broken connection must come back even after the end. */
    boolean workLeft() {
        return !due.isEmpty();
    }

    // ---- bookkeeping --------------------------------------------------------------------------------------

    void completed(long intended, long now, int status, long bytes) {
        if (status / 100 != 2) {
            errors.status++;
            lastError = "HTTP " + status;
        } else if (spec.expectedBodyBytes() >= 0 && bytes != spec.expectedBodyBytes()) {
            errors.body++;
            lastError = "body of " + bytes + " bytes (expected: " + spec.expectedBodyBytes() + ")";
        }
        if (!clock.measured(intended)) {
            return;
        }
        requests++;
        bodyBytes += bytes;
        histogram.recordValue(Math.min(HIGHEST_MICROS, Math.max(1, (now - intended) / 1000)));
        firstMeasured = Math.min(firstMeasured, intended);
        lastCompletion = Math.max(lastCompletion, now);
    }

    void handshaken(long attemptStart, SslHandler ssl) {
        long pointer = ((io.netty.handler.ssl.ReferenceCountedOpenSslEngine) ssl.engine()).sslPointer();
        if (pointer != 0 && SSL.isSessionReused(pointer)) {
            resumed++;
        }
        if (clock.measured(attemptStart)) {
            handshakes++;
        }
        if (tlsProtocol.isEmpty()) {
            tlsProtocol = ssl.engine().getSession().getProtocol();
            tlsCipher = ssl.engine().getSession().getCipherSuite();
            String alpn = ssl.applicationProtocol();
            applicationProtocol = alpn == null ? "" : alpn;
        }
    }

    void error(String message) {
        lastError = message;
    }

    void reconnected() {
        reconnects++;
    }

    void driverDone() {
        if (--running == 0) {
            stopTimers();
            done.complete(null);
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        for (LoadConnection d : drivers) {
            d.checkTimeout(now);
        }
    }

    /** On the loop, after the deadline: whatever is still in flight or still due timed out. */
    void abort() {
        errors.timeout += due.size();
        if (!due.isEmpty()) {
            lastError = due.size() + " requests still due at the deadline";
        }
        due.clear();
        for (LoadConnection d : drivers) {
            d.abort();
        }
        stopTimers();
        done.complete(null);
    }

    private void stopTimers() {
        if (sweeper != null) {
            sweeper.cancel(false);
        }
        if (ticker != null) {
            ticker.cancel(false);
        }
    }

    /** On the loop: a copy of this loop's figures. */
    Snapshot snapshot() {
        return new Snapshot(
                histogram.copy(),
                requests,
                bodyBytes,
                handshakes,
                resumed,
                reconnects,
                errors.snapshot(),
                firstMeasured,
                lastCompletion,
                tlsProtocol,
                tlsCipher,
                lastError,
                applicationProtocol);
    }

    record Snapshot(
            Histogram histogram,
            long requests,
            long bodyBytes,
            long handshakes,
            long resumed,
            long reconnects,
            ErrorCounts errors,
            long firstMeasured,
            long lastCompletion,
            String tlsProtocol,
            String tlsCipher,
            String lastError,
            String applicationProtocol) {}
}
