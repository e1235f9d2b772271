package io.mtlsproxy.core.forward;

import static java.util.Objects.requireNonNull;

import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code response-timeout}: fires once the origin has been silent that long while the proxy was waiting for it,
 * from the end of the request until the end of the response. Time the proxy itself holds the origin back
 * (the client reads slowly, so the origin is not read) does not count against the origin.
 * <p>
 * One per client connection (or HTTP/2 stream), shared by its exchanges one after the other. Its timer is not
 * scheduled and cancelled per request: a keep-alive connection answering thousands of requests a second would
 * pay a scheduled task and two priority-queue updates for each. Instead the timer stays, and when it fires it
 * looks at the clock: nothing armed, it just ends; armed but the origin was active, it sleeps for the rest; armed
 * and silent for the whole timeout, the exchange is timed out. Only the event loop of the connection uses it.
 */
final class ResponseTimeout {
    private final EventExecutor executor;
    private final Runnable onTimeout;
    private final Runnable check = this::check;
    private ScheduledFuture<?> timer;
    private long timerDueNanos;
    private long timeoutNanos;
    private long lastActivity = System.nanoTime();
    private boolean armed;
    private boolean paused;

    /** {@code onTimeout} runs on {@code executor} when an armed exchange's origin stayed silent too long. */
    ResponseTimeout(EventExecutor executor, Runnable onTimeout) {
        this.executor = requireNonNull(executor, "executor");
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

    /** Starts watching (no-op while already watching), with the current exchange's route's timeout. */
    void arm(long timeoutNanos) {
        if (armed) {
            return;
        }
        armed = true;
        this.timeoutNanos = timeoutNanos;
        if (timer != null && timerDueNanos - (System.nanoTime() + timeoutNanos) <= 0) {
            return; // the pending timer fires in time; it re-checks the silence when it does
        }
        if (timer != null) {
            timer.cancel(false); // a shorter timeout than the one the timer was set for
        }
        schedule(timeoutNanos);
    }

    /** The exchange ended: nothing to watch. The timer, if any, finds nothing to do when it fires. */
    void cancel() {
        armed = false;
        paused = false;
    }

    /** The connection is gone: cancels the timer too. */
    void stop() {
        cancel();
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void schedule(long delayNanos) {
        timerDueNanos = System.nanoTime() + delayNanos;
        timer = executor.schedule(check, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void check() {
        timer = null;
        if (!armed) {
            return;
        }
        long silent = System.nanoTime() - lastActivity;
        if (paused || silent < timeoutNanos) {
            schedule(paused ? timeoutNanos : timeoutNanos - silent);
            return;
        }
        cancel();
        onTimeout.run();
    }
}
