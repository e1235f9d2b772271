package io.mtlsproxy.admin.testing;

import io.mtlsproxy.core.ca.CertificateAuthority;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.tls.CertificateUse;
import io.mtlsproxy.core.tls.CrlUse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** Real certificates and CRLs with chosen validity, written as PEM under a test's directory. */
public final class Certificates {
    private final Path dir;
    private final Instant now;
    private final CertificateAuthority ca;

    /** @param now the instant the validity windows are measured from (the test's pinned clock) */
    public Certificates(Path dir, Instant now) {
        this.dir = dir;
        this.now = now;
        this.ca = CertificateAuthority.createRoot(
                "Test Root CA", now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(3650)), KeyAlgorithm.EC_P256);
    }

    public CertificateAuthority ca() {
        return ca;
    }

    /** The root CA as a trust anchor of {@code owner}. */
    public CertificateUse caUse(String usage, String owner) {
        return use(usage, owner, "root-ca.crt", ca.certificate());
    }

    /** A server leaf with SANs DNS:NAME.example.com, IP:127.0.0.1, URI:spiffe://test/NAME valid until now + left. */
    public CertificateUse server(String usage, String owner, String name, Duration left) {
        CertificateSpec spec = CertificateSpec.server(name)
                .organization("Example")
                .dns(name + ".example.com")
                .ip("127.0.0.1")
                .uri("spiffe://test/" + name)
                .validity(now.minus(Duration.ofDays(30)), now.plus(left))
                .build();
        return use(usage, owner, name + ".crt", ca.issue(spec).certificate());
    }

    public CertificateUse client(String usage, String owner, String name, Instant notBefore, Instant notAfter) {
        CertificateSpec spec =
                CertificateSpec.client(name).validity(notBefore, notAfter).build();
        return use(usage, owner, name + ".crt", ca.issue(spec).certificate());
    }

    /** A self-signed CA whose validity ended a day before now. */
    public CertificateUse expiredAnchor(String usage, String owner, String name) {
        CertificateAuthority old = CertificateAuthority.createRoot(
                name, now.minus(Duration.ofDays(400)), now.minus(Duration.ofDays(1)), KeyAlgorithm.EC_P256);
        return use(usage, owner, name + ".crt", old.certificate());
    }

    public CrlUse crl(String owner, String name, Instant thisUpdate, Instant nextUpdate) {
        X509CRL crl = ca.crl(Map.of(), thisUpdate, nextUpdate);
        Path file = dir.resolve(name + ".pem");
        write(file, crl);
        return new CrlUse(owner, file, crl);
    }

    private CertificateUse use(String usage, String owner, String fileName, X509Certificate cert) {
        Path file = dir.resolve(fileName);
        write(file, cert);
        return new CertificateUse(usage, owner, file, cert);
    }

    private static void write(Path file, Object pem) {
        try {
            Pem.writePublic(file, pem);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
