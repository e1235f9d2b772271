package io.mtlsproxy.core.upstream;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A route's retries in flight kept within a share of its active requests (Envoy's retry budget): when every
 * endpoint fails, each request may not turn into {@code attempts + 1} of them. {@link #MIN_RETRIES} may always
 * run, so that a quiet route still retries. Shared by every event loop.
 */
public final class RetryBudget {
    /** Retries allowed at once however few requests are active. */
    public static final int MIN_RETRIES = 3;

    // counters in the object itself, not two AtomicIntegers beside it: every route has a budget
    private static final AtomicIntegerFieldUpdater<RetryBudget> REQUESTS =
            AtomicIntegerFieldUpdater.newUpdater(RetryBudget.class, "activeRequests");
    private static final AtomicIntegerFieldUpdater<RetryBudget> RETRIES =
            AtomicIntegerFieldUpdater.newUpdater(RetryBudget.class, "activeRetries");

    private final int percent;
    private volatile int activeRequests;
    private volatile int activeRetries;

    public RetryBudget(int percent) {
        this.percent = percent;
    }

    void requestStarted() {
        REQUESTS.incrementAndGet(this);
    }

    void requestEnded() {
        REQUESTS.decrementAndGet(this);
    }

    /** Takes a retry slot if the budget allows one; give it back with {@link #retryEnded}. */
    boolean tryStartRetry() {
        if (percent == 0) {
            return false;
        }
        int allowed = Math.max(MIN_RETRIES, activeRequests * percent / 100);
        while (true) {
            int now = activeRetries;
            if (now >= allowed) {
                return false;
            }
            if (RETRIES.compareAndSet(this, now, now + 1)) {
                return true;
            }
        }
    }

    void retryEnded() {
        RETRIES.decrementAndGet(this);
    }

    public int activeRetries() {
        return activeRetries;
    }

    public int activeRequests() {
        return activeRequests;
    }
}
