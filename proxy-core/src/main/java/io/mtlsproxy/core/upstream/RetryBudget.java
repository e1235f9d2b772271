package io.mtlsproxy.core.upstream;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A route's retries in flight kept within a share of its active requests (Envoy's retry budget): when every
 * endpoint fails, each request may not turn into {@code attempts + 1} of them. {@link #MIN_RETRIES} may always
 * run, so that a quiet route still retries. Shared by every event loop.
 */
public final class RetryBudget {
    /** Retries allowed at once however few requests are active. */
    public static final int MIN_RETRIES = 3;

    private final int percent;
    private final AtomicInteger activeRequests = new AtomicInteger();
    private final AtomicInteger activeRetries = new AtomicInteger();

    public RetryBudget(int percent) {
        this.percent = percent;
    }

    void requestStarted() {
        activeRequests.incrementAndGet();
    }

    void requestEnded() {
        activeRequests.decrementAndGet();
    }

    /** Takes a retry slot if the budget allows one; give it back with {@link #retryEnded}. */
    boolean tryStartRetry() {
        if (percent == 0) {
            return false;
        }
        int allowed = Math.max(MIN_RETRIES, activeRequests.get() * percent / 100);
        while (true) {
            int now = activeRetries.get();
            if (now >= allowed) {
                return false;
            }
            if (activeRetries.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    void retryEnded() {
        activeRetries.decrementAndGet();
    }

    public int activeRetries() {
        return activeRetries.get();
    }

    public int activeRequests() {
        return activeRequests.get();
    }
}
