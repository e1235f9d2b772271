package io.mtlsproxy.core.tls;

import io.mtlsproxy.config.ExpiryConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/** A certificate's state against the expiry thresholds (DESIGN.md: /certs {@code state}). */
public enum ExpiryState {
    VALID,
    EXPIRING,
    CRITICAL,
    EXPIRED,
    NOT_YET_VALID;

    public static ExpiryState of(Instant notBefore, Instant notAfter, Instant now, ExpiryConfig thresholds) {
        if (now.isBefore(notBefore)) {
            return NOT_YET_VALID;
        }
        if (!now.isBefore(notAfter)) {
            return EXPIRED;
        }
        Duration left = Duration.between(now, notAfter);
        if (left.compareTo(thresholds.criticalBefore()) <= 0) {
            return CRITICAL;
        }
        if (left.compareTo(thresholds.warnBefore()) <= 0) {
            return EXPIRING;
        }
        return VALID;
    }

    public static ExpiryState of(java.security.cert.X509Certificate cert, Instant now, ExpiryConfig thresholds) {
        return of(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant(), now, thresholds);
    }

    /** {@code valid}, {@code expiring}, {@code critical}, {@code expired}, {@code not_yet_valid}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
