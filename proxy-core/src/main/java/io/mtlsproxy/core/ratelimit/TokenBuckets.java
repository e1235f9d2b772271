package io.mtlsproxy.core.ratelimit;

import io.mtlsproxy.config.RateLimit;
import io.mtlsproxy.config.RateLimitKey;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The token buckets of one route's rate limit, one per key, in this process only (every replica limits on its own).
 * A bucket is one number, the time at which it will be full again (the generic cell rate algorithm): taking a
 * token is one compare-and-set, with no lock and no timer. Any event loop may take from any bucket.
 * <p>
 * Memory is bounded: past {@link #MAX_KEYS} keys, buckets that have filled up again are dropped first (a full
 * bucket forgets nothing when it is made anew); if that is not enough (more active keys than the bound), arbitrary
 * ones go, which forgives those keys what they owed.
 */
public final class TokenBuckets {
    public static final int MAX_KEYS = 100_000;

    private final RateLimit limit;
    /** nanoseconds a token takes to come back */
    private final long interval;
    /** how far ahead of now a bucket's full-again time may be: burst - 1 tokens already taken */
    private final long tolerance;

    private final int maxKeys;
    private final ConcurrentHashMap<String, AtomicLong> buckets = new ConcurrentHashMap<>();
    private final AtomicBoolean sweeping = new AtomicBoolean();

    public TokenBuckets(RateLimit limit) {
        this(limit, MAX_KEYS);
    }

    TokenBuckets(RateLimit limit, int maxKeys) {
        this.limit = limit;
        this.maxKeys = maxKeys;
        this.interval = Math.max(1, limit.per().toNanos() / limit.rate());
        long t;
        try {
            t = Math.multiplyExact(interval, (long) limit.burst() - 1);
        } catch (ArithmeticException e) {
            t = Long.MAX_VALUE / 4;
        }
        this.tolerance = Math.min(t, Long.MAX_VALUE / 4);
    }

    public RateLimitKey key() {
        return limit.key();
    }

    public RateLimit limit() {
        return limit;
    }

    /**
     * Takes a token from {@code key}'s bucket at {@code now} ({@link System#nanoTime()}): 0 when taken, else the
     * nanoseconds until one is there.
     */
    public long take(String key, long now) {
        AtomicLong bucket = buckets.get(key);
        if (bucket == null) {
            if (buckets.size() >= maxKeys) {
                sweep(now);
            }
            bucket = buckets.computeIfAbsent(key, k -> new AtomicLong(Long.MIN_VALUE));
        }
        while (true) {
            long full = bucket.get();
            long from = full == Long.MIN_VALUE || full - now < 0 ? now : full;
            long wait = from - now - tolerance;
            if (wait > 0) {
                return wait;
            }
            if (bucket.compareAndSet(full, from + interval)) {
                return 0;
            }
        }
    }

    /** Buckets held now. */
    public int size() {
        return buckets.size();
    }

    private void sweep(long now) {
        if (!sweeping.compareAndSet(false, true)) {
            return; // another loop is at it; the bound may be passed by a few keys meanwhile
        }
        try {
            buckets.values().removeIf(b -> b.get() - now <= 0);
            int target = maxKeys - maxKeys / 10;
            Iterator<AtomicLong> it = buckets.values().iterator();
            while (buckets.size() > target && it.hasNext()) {
                it.next();
                it.remove();
            }
        } finally {
            sweeping.set(false);
        }
    }
}
