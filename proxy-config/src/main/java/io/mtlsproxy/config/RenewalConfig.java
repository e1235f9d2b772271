package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * {@code renewal { check-interval, retry-initial, retry-max }}: how often every certificate with a {@code renew}
 * block is looked at, and the bounds of the exponential backoff after a failed attempt.
 */
public record RenewalConfig(Duration checkInterval, Duration retryInitial, Duration retryMax) {
    public static final RenewalConfig DEFAULT =
            new RenewalConfig(Duration.ofHours(1), Duration.ofMinutes(1), Duration.ofHours(6));

    public RenewalConfig {
        requireNonNull(checkInterval, "checkInterval");
        requireNonNull(retryInitial, "retryInitial");
        requireNonNull(retryMax, "retryMax");
    }
}
