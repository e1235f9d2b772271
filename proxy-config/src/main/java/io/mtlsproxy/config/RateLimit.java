package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/** A route's {@code rate-limit}: a token bucket per key, {@code rate} tokens each {@code per}, holding {@code burst}. */
public record RateLimit(RateLimitKey key, int rate, Duration per, int burst) {
    public static final Duration DEFAULT_PER = Duration.ofSeconds(1);

    public RateLimit {
        requireNonNull(key, "key");
        requireNonNull(per, "per");
        if (rate < 1 || burst < 1 || per.isZero() || per.isNegative()) {
            throw new IllegalArgumentException("rate " + rate + ", per " + per + ", burst " + burst);
        }
    }
}
