package io.mtlsproxy.core.upstream;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.PassiveEjection;
import java.time.Duration;

/**
 * Passive health checking: an endpoint that fails {@code consecutiveFailures} requests in a row (connect, TLS,
 * reset or timeout; an origin's own 5xx is an answer, not a failure), the streak no longer than {@code window}, is
 * skipped for {@code ejectFor}, then tried again with a clean record.
 */
public record EjectionPolicy(int consecutiveFailures, Duration ejectFor, Duration window) {
    public static final EjectionPolicy DEFAULT = of(PassiveEjection.DEFAULT);

    public EjectionPolicy {
        requireNonNull(ejectFor, "ejectFor");
        requireNonNull(window, "window");
        if (consecutiveFailures < 1) {
            throw new IllegalArgumentException("consecutiveFailures: " + consecutiveFailures + " (expected: >= 1)");
        }
    }

    /** Failures in a row, however far apart. */
    public EjectionPolicy(int consecutiveFailures, Duration ejectFor) {
        this(consecutiveFailures, ejectFor, Duration.ofNanos(Long.MAX_VALUE));
    }

    public static EjectionPolicy of(PassiveEjection p) {
        return new EjectionPolicy(p.failures(), p.ejection(), p.window());
    }
}
