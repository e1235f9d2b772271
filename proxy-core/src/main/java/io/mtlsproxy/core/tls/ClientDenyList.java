package io.mtlsproxy.core.tls;

import io.mtlsproxy.config.DenyList;
import io.mtlsproxy.core.identity.PeerIdentity;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.security.auth.x500.X500Principal;

/**
 * A listener's {@code tls.deny}, ready to judge a verified client leaf in the handshake: a hash lookup per entry
 * kind, the SHA-256 computed only when fingerprints are listed. Subjects compare as X.500 names, so spacing and
 * attribute case in the configuration do not matter.
 */
final class ClientDenyList {
    private static final int SAN_URI = 6;

    private final DenyList config;
    private final Set<X500Principal> subjects;

    ClientDenyList(DenyList config) {
        this.config = config;
        this.subjects = config.subjects().stream().map(X500Principal::new).collect(Collectors.toUnmodifiableSet());
    }

    /** The entries in a fixed order: part of the material session tickets are bound to, equal on every replica. */
    String canonical() {
        return config.isEmpty()
                ? ""
                : "deny " + new TreeSet<>(config.serials()) + " "
                        + new TreeSet<>(config.sha256Fingerprints()) + " " + new TreeSet<>(config.subjects())
                        + " " + new TreeSet<>(config.uriSans());
    }

    /** Which entry denies {@code leaf} ("serial 1a2b"), or empty when none does. */
    Optional<String> match(X509Certificate leaf) {
        if (config.isEmpty()) {
            return Optional.empty();
        }
        String serial = leaf.getSerialNumber().toString(16);
        if (config.serials().contains(serial)) {
            return Optional.of("serial " + serial);
        }
        if (!config.sha256Fingerprints().isEmpty()) {
            String sha256 = PeerIdentity.sha256Hex(leaf);
            if (config.sha256Fingerprints().contains(sha256)) {
                return Optional.of("sha256 " + sha256);
            }
        }
        if (subjects.contains(leaf.getSubjectX500Principal())) {
            return Optional.of("subject " + leaf.getSubjectX500Principal().getName());
        }
        if (!config.uriSans().isEmpty()) {
            for (String uri : uriSans(leaf)) {
                if (config.uriSans().contains(uri)) {
                    return Optional.of("uri-san " + uri);
                }
            }
        }
        return Optional.empty();
    }

    private static List<String> uriSans(X509Certificate leaf) {
        try {
            Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
            if (sans == null) {
                return List.of();
            }
            return sans.stream()
                    .filter(s -> Integer.valueOf(SAN_URI).equals(s.get(0)) && s.get(1) instanceof String)
                    .map(s -> (String) s.get(1))
                    .toList();
        } catch (CertificateParsingException e) {
            return List.of(); // an unparsable SAN extension names nobody
        }
    }
}
