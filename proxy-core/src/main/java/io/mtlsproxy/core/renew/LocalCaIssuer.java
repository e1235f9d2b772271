package io.mtlsproxy.core.renew;

import io.mtlsproxy.config.LocalCaIssuerConfig;
import io.mtlsproxy.core.ca.CaDirectory;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.certs.PkiException;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Signs with a CA directory made by {@code pki init-ca}: labs, internal meshes, and short-lived SPIFFE client
 * certificates for upstreams (the CSR's URI SANs are kept). The directory is opened at every attempt, so a CA
 * rotated on disk signs the next renewal, and every certificate it signs is kept under {@code issued/} as
 * {@code pki issue} does, ready for {@code pki revoke}.
 */
final class LocalCaIssuer implements Issuer {
    private static final Duration BACKDATE = Duration.ofMinutes(5);

    private final LocalCaIssuerConfig config;

    LocalCaIssuer(LocalCaIssuerConfig config) {
        this.config = config;
    }

    @Override
    public List<X509Certificate> issue(CertificateRequest request) throws IssueException {
        CaDirectory ca = open();
        Instant now = Instant.now();
        // backdated for verifiers whose clock runs slow, but never by much of a short lifetime, which would
        // make the certificate due for renewal the moment it is issued
        Duration backdate = BACKDATE.compareTo(config.validity().dividedBy(10)) < 0
                ? BACKDATE
                : config.validity().dividedBy(10);
        Instant notAfter = now.plus(config.validity());
        Instant caEnd = ca.authority().certificate().getNotAfter().toInstant();
        if (notAfter.isAfter(caEnd)) {
            notAfter = caEnd; // a leaf never outlives its CA; the check-interval renews it again before then
        }
        try {
            X509Certificate leaf = ca.authority()
                    .signRequest(
                            request.csr(),
                            request.forServer() ? CertificateSpec.Usage.SERVER : CertificateSpec.Usage.CLIENT,
                            now.minus(backdate),
                            notAfter);
            ca.record(leaf);
            return ca.bundle(leaf);
        } catch (PkiException | IOException e) {
            throw new IssueException("local-ca " + config.caDir() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<X509Certificate> trustAnchors() {
        try {
            return List.of(open().authority().certificate());
        } catch (IssueException e) {
            return List.of(); // issue() reports the same problem
        }
    }

    private CaDirectory open() throws IssueException {
        try {
            return CaDirectory.open(config.caDir());
        } catch (IOException | PkiException e) {
            throw new IssueException("local-ca: " + e.getMessage(), e);
        }
    }
}
