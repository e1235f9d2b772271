package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/** Thresholds of the certificate states {@code expiring} and {@code critical}. */
public record ExpiryConfig(Duration warnBefore, Duration criticalBefore) {
    public static final ExpiryConfig DEFAULT = new ExpiryConfig(Duration.ofDays(30), Duration.ofDays(7));

    public ExpiryConfig {
        requireNonNull(warnBefore, "warnBefore");
        requireNonNull(criticalBefore, "criticalBefore");
    }
}
