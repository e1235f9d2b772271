package io.mtlsproxy.core.renew;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * What {@code /certs} shows of one renewing certificate. {@code state}: {@code scheduled} (waiting for
 * {@code renewAt}), {@code renewing} (an attempt runs), {@code failing} (the last attempt failed; the next one is
 * at {@code nextAttempt}). {@code attempts} counts failures since the last success.
 */
public record RenewalStatus(
        String usage,
        String owner,
        Path certFile,
        String issuer,
        String issuerType,
        String state,
        Optional<Instant> renewAt,
        Optional<Instant> nextAttempt,
        Optional<Instant> lastAttempt,
        Optional<Instant> lastSuccess,
        Optional<String> lastError,
        int attempts) {
    public static final String SCHEDULED = "scheduled";
    public static final String RENEWING = "renewing";
    public static final String FAILING = "failing";

    public boolean failing() {
        return state.equals(FAILING);
    }
}
