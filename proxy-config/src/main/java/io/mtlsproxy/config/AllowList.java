package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Client identities admitted by a route. Any one matching entry admits; all lists empty admits any verified
 * certificate. {@code dnsSans} may hold {@code *.} wildcards, {@code uriSans} exact SPIFFE IDs or a prefix
 * ending in {@code /*}.
 */
public record AllowList(List<String> subjects, List<String> dnsSans, List<String> uriSans,
                        List<String> sha256Fingerprints) {
    public static final AllowList ANY = new AllowList(List.of(), List.of(), List.of(), List.of());

    public AllowList {
        subjects = List.copyOf(requireNonNull(subjects, "subjects"));
        dnsSans = List.copyOf(requireNonNull(dnsSans, "dnsSans"));
        uriSans = List.copyOf(requireNonNull(uriSans, "uriSans"));
        sha256Fingerprints = List.copyOf(requireNonNull(sha256Fingerprints, "sha256Fingerprints"));
    }

    public boolean admitsAnyVerified() {
        return subjects.isEmpty() && dnsSans.isEmpty() && uriSans.isEmpty() && sha256Fingerprints.isEmpty();
    }
}
