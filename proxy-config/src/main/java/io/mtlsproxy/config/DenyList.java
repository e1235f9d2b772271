package io.mtlsproxy.config;

import java.util.Set;

/**
 * {@code tls.deny}: client certificates a listener refuses in the handshake though its CA still vouches for them
 * ("disable without revoking"). {@code serials} are lowercase hex without colons or leading zeros (as /certs and
 * /clients print them), {@code sha256Fingerprints} lowercase hex without colons, {@code subjects} RFC 2253
 * distinguished names (compared as X.500 names, not as text), {@code uriSans} exact URIs.
 */
public record DenyList(Set<String> serials, Set<String> sha256Fingerprints, Set<String> subjects, Set<String> uriSans) {
    public static final DenyList EMPTY = new DenyList(Set.of(), Set.of(), Set.of(), Set.of());

    public DenyList {
        serials = Set.copyOf(serials);
        sha256Fingerprints = Set.copyOf(sha256Fingerprints);
        subjects = Set.copyOf(subjects);
        uriSans = Set.copyOf(uriSans);
    }

    public boolean isEmpty() {
        return serials.isEmpty() && sha256Fingerprints.isEmpty() && subjects.isEmpty() && uriSans.isEmpty();
    }
}
