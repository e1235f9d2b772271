package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When to renew: a fixed time before expiry ({@code 30d}) or a share of the certificate's lifetime
 * ({@code "33%"}: renew when a third of the lifetime is left, as certmagic and cert-manager do).
 */
public record RenewBefore(Optional<Duration> duration, double share) {
    public static final RenewBefore DEFAULT = new RenewBefore(Optional.empty(), 0.33);

    public RenewBefore {
        requireNonNull(duration, "duration");
        if (duration.isEmpty() && !(share > 0 && share < 1)) {
            throw new IllegalArgumentException("share " + share + " (expected: between 0 and 1)");
        }
    }

    /**
     * The moment a certificate valid from {@code notBefore} to {@code notAfter} is due for renewal. A duration
     * longer than half the lifetime counts as half of it.
     */
    public Instant renewAt(Instant notBefore, Instant notAfter) {
        long lifetimeMillis = Math.max(0, notAfter.toEpochMilli() - notBefore.toEpochMilli());
        if (duration.isPresent()) {
            // a window as long as the lifetime would renew a fresh certificate at once, again and again
            long before = Math.min(duration.get().toMillis(), lifetimeMillis / 2);
            return notAfter.minusMillis(before);
        }
        return notAfter.minusMillis((long) (lifetimeMillis * share));
    }

    @Override
    public String toString() {
        return duration.map(Scalars::format).orElse(Math.round(share * 100) + "%");
    }
}
