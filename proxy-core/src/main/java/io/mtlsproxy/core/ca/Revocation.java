package io.mtlsproxy.core.ca;

import static java.util.Objects.requireNonNull;

import java.math.BigInteger;
import java.time.Instant;

/** One CRL entry: the serial of a revoked certificate, when it was revoked, and why. */
public record Revocation(BigInteger serial, Instant revokedAt, RevocationReason reason) {
    public Revocation {
        requireNonNull(serial, "serial");
        requireNonNull(revokedAt, "revokedAt");
        requireNonNull(reason, "reason");
    }
}
