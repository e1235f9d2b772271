package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Client identities admitted by a route. Any one matching entry admits; all lists empty admits any verified
 * certificate. {@code dnsSans} may hold {@code *.} wildcards, {@code uriSans} exact SPIFFE IDs or a prefix
 * ending in {@code /*}. {@code awsVpceIds} match the AWS VPC endpoint a connection came through (PROXY v2 TLV
 * 0xEA), so that PrivateLink consumers can be told apart.
 */
public record AllowList(
        List<String> subjects,
        List<String> dnsSans,
        List<String> uriSans,
        List<String> sha256Fingerprints,
        List<String> awsVpceIds) {
    public static final AllowList ANY = new AllowList(List.of(), List.of(), List.of(), List.of());

    public AllowList {
        subjects = List.copyOf(requireNonNull(subjects, "subjects"));
        dnsSans = List.copyOf(requireNonNull(dnsSans, "dnsSans"));
        uriSans = List.copyOf(requireNonNull(uriSans, "uriSans"));
        sha256Fingerprints = List.copyOf(requireNonNull(sha256Fingerprints, "sha256Fingerprints"));
        awsVpceIds = List.copyOf(requireNonNull(awsVpceIds, "awsVpceIds"));
    }

    /** Certificate entries only. */
    public AllowList(
            List<String> subjects, List<String> dnsSans, List<String> uriSans, List<String> sha256Fingerprints) {
        this(subjects, dnsSans, uriSans, sha256Fingerprints, List.of());
    }

    public boolean admitsAnyVerified() {
        return !namesCertificates() && awsVpceIds.isEmpty();
    }

    /** True when some entry matches a certificate (rather than a VPC endpoint): only an mTLS listener meets it. */
    public boolean namesCertificates() {
        return !subjects.isEmpty() || !dnsSans.isEmpty() || !uriSans.isEmpty() || !sha256Fingerprints.isEmpty();
    }
}
