package io.mtlsproxy.core.revocation;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;

/**
 * A verified OCSP response about one certificate: its status, validity window and DER bytes (what a listener
 * staples). {@code nextUpdate} is empty when the responder gave none.
 */
public record OcspAnswer(Status status, Instant thisUpdate, Optional<Instant> nextUpdate, byte[] der) {
    /** The certificate's status as the responder says it; the label is the metric's and /certs' word. */
    public enum Status {
        GOOD,
        REVOKED,
        UNKNOWN;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public OcspAnswer {
        requireNonNull(status, "status");
        requireNonNull(thisUpdate, "thisUpdate");
        requireNonNull(nextUpdate, "nextUpdate");
        der = der.clone();
    }

    @Override
    public byte[] der() {
        return der.clone();
    }

    /** Whether the answer may still be used at {@code now}: before its nextUpdate, or without one, within {@code fallback} of thisUpdate. */
    public boolean usableAt(Instant now, java.time.Duration fallback) {
        return now.isBefore(nextUpdate.orElse(thisUpdate.plus(fallback)));
    }
}
