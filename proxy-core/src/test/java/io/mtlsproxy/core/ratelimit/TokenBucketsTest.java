package io.mtlsproxy.core.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.RateLimit;
import io.mtlsproxy.config.RateLimitKey;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The token arithmetic on a clock the test moves, and the bound on the number of buckets. */
class TokenBucketsTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void burstThenOneTokenPerInterval() {
        TokenBuckets b = new TokenBuckets(new RateLimit(RateLimitKey.ROUTE, 10, Duration.ofSeconds(1), 3));
        long t = 1_000 * SECOND;
        assertEquals(0, b.take("k", t));
        assertEquals(0, b.take("k", t));
        assertEquals(0, b.take("k", t));
        long wait = b.take("k", t);
        assertEquals(SECOND / 10, wait, "the next token in 100 ms");
        assertEquals(0, b.take("k", t + wait));
        assertTrue(b.take("k", t + wait) > 0);
        assertEquals(0, b.take("other", t), "keys have their own buckets");
        // idle for long: the bucket is full again, but never above burst
        long later = t + 60 * SECOND;
        for (int i = 0; i < 3; i++) {
            assertEquals(0, b.take("k", later));
        }
        assertTrue(b.take("k", later) > 0);
    }

    @Test
    void aSlowRateWaitsLong() {
        TokenBuckets b = new TokenBuckets(new RateLimit(RateLimitKey.ROUTE, 1, Duration.ofMinutes(1), 1));
        assertEquals(0, b.take("", 0));
        assertEquals(60 * SECOND, b.take("", 0));
        assertEquals(30 * SECOND, b.take("", 30 * SECOND));
    }

    @Test
    void bucketsAreBoundedFullOnesGoFirst() {
        TokenBuckets b = new TokenBuckets(new RateLimit(RateLimitKey.CLIENT_ADDRESS, 1, Duration.ofSeconds(1), 1), 100);
        long t = 0;
        for (int i = 0; i < 1_000; i++) {
            b.take("k" + i, t);
            assertTrue(b.size() <= 101, "size " + b.size());
        }
        for (int i = 0; b.size() < 100; i++) {
            b.take("m" + i, t);
        }
        // at 10 s every bucket has refilled: the sweep a new key sets off drops them all, forgiving nothing
        assertTrue(b.take("hot", 10 * SECOND) == 0);
        assertEquals(1, b.size());
        assertTrue(b.take("hot", 10 * SECOND) > 0);
    }
}
