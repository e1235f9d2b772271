package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/**
 * A certificate's {@code renew} block: which issuer, when, and what the new certificate names. Absent
 * {@code dnsSans}/{@code uriSans} mean "the current certificate's".
 */
public record RenewSpec(
        String issuer,
        RenewBefore before,
        Optional<List<String>> dnsSans,
        Optional<List<String>> uriSans,
        RenewKeyType keyType,
        Source source) {
    public RenewSpec {
        requireNonNull(issuer, "issuer");
        requireNonNull(before, "before");
        dnsSans = requireNonNull(dnsSans, "dnsSans").map(List::copyOf);
        uriSans = requireNonNull(uriSans, "uriSans").map(List::copyOf);
        requireNonNull(keyType, "keyType");
        requireNonNull(source, "source");
    }
}
