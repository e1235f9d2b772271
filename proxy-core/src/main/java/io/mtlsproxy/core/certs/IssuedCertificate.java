package io.mtlsproxy.core.certs;

import static java.util.Objects.requireNonNull;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** A certificate, its private key, and the chain of issuers above it (without the self-signed root). */
public record IssuedCertificate(X509Certificate certificate, PrivateKey privateKey, List<X509Certificate> issuers) {
    public IssuedCertificate {
        requireNonNull(certificate, "certificate");
        requireNonNull(privateKey, "privateKey");
        issuers = List.copyOf(issuers);
    }

    /** The leaf followed by its intermediates: what a TLS peer presents. */
    public List<X509Certificate> chain() {
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(certificate);
        chain.addAll(issuers);
        return chain;
    }
}
