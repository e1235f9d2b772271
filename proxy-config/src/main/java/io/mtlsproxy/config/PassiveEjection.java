package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Passive health checking: an endpoint whose requests fail {@code failures} times in a row (connect, TLS, reset,
 * timeout), the streak no longer than {@code window}, is skipped for {@code ejection}.
 */
public record PassiveEjection(int failures, Duration window, Duration ejection) {
    public static final PassiveEjection DEFAULT =
            new PassiveEjection(3, Duration.ofSeconds(10), Duration.ofSeconds(10));

    public PassiveEjection {
        requireNonNull(window, "window");
        requireNonNull(ejection, "ejection");
    }
}
