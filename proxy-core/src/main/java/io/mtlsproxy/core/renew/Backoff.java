package io.mtlsproxy.core.renew;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * The wait after the n-th failed attempt in a row: {@code retry-initial} doubled each time, capped at
 * {@code retry-max}, then jittered down by up to a quarter so that a fleet of proxies that failed together does
 * not retry together. With a quarter of jitter every wait is still longer than the one before it (until the cap).
 */
public record Backoff(Duration initial, Duration max) {
    public Duration after(int failures, RandomGenerator random) {
        long base = initial.toMillis();
        int doublings = Math.max(0, Math.min(failures - 1, 40));
        long capped = Math.min(max.toMillis(), doublings >= 62 ? Long.MAX_VALUE : base << doublings);
        if (capped < 0 || capped > max.toMillis()) {
            capped = max.toMillis();
        }
        double jitter = 0.75 + 0.25 * random.nextDouble();
        return Duration.ofMillis(Math.max(1, (long) (capped * jitter)));
    }
}
