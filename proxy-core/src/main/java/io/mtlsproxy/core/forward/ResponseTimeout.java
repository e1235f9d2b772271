package io.mtlsproxy.core.forward;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.util.concurrent.EventExecutor;

/**
 * {@code response-timeout}: fires once the origin has been silent that long while the proxy was waiting for it,
 * from the end of the request until the end of the response. Time the proxy itself holds the origin back
 * (the client reads slowly, so the origin is not read) does not count against the origin. One timer per exchange,
 * re-armed for the remaining time instead of being rescheduled on every read.
 */
final class ResponseTimeout {
    private final EventExecutor executor;
    private final long timeoutNanos;
    private final Runnable onTimeout;
    private ScheduledFuture<?> timer;
    private long lastActivity = System.nanoTime();
    private boolean paused;

    ResponseTimeout(EventExecutor executor, long timeoutNanos, Runnable onTimeout) {
        this.executor = requireNonNull(executor, "executor");
        this.timeoutNanos = timeoutNanos;
        this.onTimeout = requireNonNull(onTimeout, "onTimeout");
    }

    /** The origin sent something, or the proxy just asked it for more. */
    void activity() {
        lastActivity = System.nanoTime();
    }

    /** True while the proxy holds the origin back (its reads paused by backpressure). */
    void paused(boolean paused) {
        this.paused = paused;
        activity();
    }

    void arm() {
        if (timer == null) {
            timer = executor.schedule(this::check, timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void check() {
        timer = null;
        long silent = System.nanoTime() - lastActivity;
        if (paused || silent < timeoutNanos) {
            timer = executor.schedule(this::check, paused ? timeoutNanos : timeoutNanos - silent,
                    TimeUnit.NANOSECONDS);
            return;
        }
        onTimeout.run();
    }
}
