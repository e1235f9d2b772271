package io.mtlsproxy.core.upstream;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Passive health checking: an endpoint that fails {@code consecutiveFailures} requests in a row (connect, TLS,
 * reset or timeout; an origin's own 5xx is an answer, not a failure) is skipped for {@code ejectFor}, then tried
 * again with a clean record.
 */
public record EjectionPolicy(int consecutiveFailures, Duration ejectFor) {
    public static final EjectionPolicy DEFAULT = new EjectionPolicy(3, Duration.ofSeconds(10));

    public EjectionPolicy {
        requireNonNull(ejectFor, "ejectFor");
        if (consecutiveFailures < 1) {
            throw new IllegalArgumentException("consecutiveFailures: " + consecutiveFailures + " (expected: >= 1)");
        }
    }
}
