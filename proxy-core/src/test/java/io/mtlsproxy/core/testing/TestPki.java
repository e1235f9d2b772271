package io.mtlsproxy.core.testing;

import io.mtlsproxy.core.ca.CertificateAuthority;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.certs.IssuedCertificate;
import io.mtlsproxy.core.certs.Pem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway PKI for tests, written under a directory the test owns: CAs, leaves, CRLs as PEM files.
 * Every test makes its own; nothing here is ever committed.
 */
public final class TestPki {
    private final Path dir;

    public TestPki(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path dir() {
        return dir;
    }

    /** A root CA valid for ten years, written to {@code NAME-ca.crt}. */
    public Ca ca(String name) {
        CertificateAuthority ca = CertificateAuthority.createRoot(name, Duration.ofDays(3650), KeyAlgorithm.EC_P256);
        return new Ca(name, ca, writeCert(name + "-ca.crt", ca));
    }

    public final class Ca {
        private final String name;
        private final CertificateAuthority authority;
        private final Path certFile;

        Ca(String name, CertificateAuthority authority, Path certFile) {
            this.name = name;
            this.authority = authority;
            this.certFile = certFile;
        }

        public CertificateAuthority authority() {
            return authority;
        }

        /** The CA certificate as PEM on disk (a trust anchor for {@code client-ca} or {@code trust-ca}). */
        public Path certFile() {
            return certFile;
        }

        /** A server certificate for localhost (DNS) and 127.0.0.1 (IP) plus the given DNS names. */
        public Leaf server(String cn, String... dns) {
            CertificateSpec.Builder b =
                    CertificateSpec.server(cn).dns("localhost").ip("127.0.0.1");
            b.dns(dns);
            return leaf(cn, b.build());
        }

        public Leaf client(String cn, String... uris) {
            return leaf(cn, CertificateSpec.client(cn).uri(uris).build());
        }

        /** Writes {@code CN.crt} (leaf + intermediates), {@code CN.key} and returns them. */
        public Leaf leaf(String fileName, CertificateSpec spec) {
            return write(fileName, authority.issue(spec));
        }

        private Leaf write(String fileName, IssuedCertificate issued) {
            try {
                Path cert = dir.resolve(fileName + ".crt");
                Path key = dir.resolve(fileName + ".key");
                Pem.writePublic(cert, issued.chain());
                Pem.writeKey(key, issued.privateKey());
                return new Leaf(issued, cert, key);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * As {@link #leaf(String, CertificateSpec)}, with an AuthorityInfoAccess extension naming {@code ocsp} as
         * the certificate's OCSP responder (the issued certificate re-signed by this CA with the extension added).
         */
        public Leaf leaf(String fileName, CertificateSpec spec, URI ocsp) {
            IssuedCertificate plain = authority.issue(spec);
            try {
                X509v3CertificateBuilder b =
                        new X509v3CertificateBuilder(new JcaX509CertificateHolder(plain.certificate()));
                b.addExtension(
                        Extension.authorityInfoAccess,
                        false,
                        new AuthorityInformationAccess(
                                AccessDescription.id_ad_ocsp,
                                new GeneralName(GeneralName.uniformResourceIdentifier, ocsp.toString())));
                String algorithm =
                        authority.privateKey().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
                X509Certificate cert = new JcaX509CertificateConverter()
                        .getCertificate(b.build(new JcaContentSignerBuilder(algorithm).build(authority.privateKey())));
                return write(fileName, new IssuedCertificate(cert, plain.privateKey(), plain.issuers()));
            } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
                throw new IllegalStateException(e);
            }
        }

        /** This CA's private key as PEM on disk, for a test-started responder that signs as the CA. */
        public Path keyFile() {
            Path file = dir.resolve(name + "-ca.key");
            try {
                Pem.writeKey(file, authority.privateKey());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return file;
        }

        /** An intermediate CA under this one. */
        public Ca intermediate(String cn) {
            CertificateAuthority sub = authority.intermediate(CertificateSpec.intermediateCa(cn)
                    .validFor(Duration.ofDays(3650))
                    .build());
            return new Ca(cn, sub, writeCert(cn + "-ca.crt", sub));
        }

        /** A CRL revoking the given leaves, next update in a week, written to {@code NAME-crl.pem}. */
        public Path crl(Leaf... revoked) {
            return crl(Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(7)), revoked);
        }

        public Path crl(Instant thisUpdate, Instant nextUpdate, Leaf... revoked) {
            Map<BigInteger, Instant> serials = new java.util.HashMap<>();
            for (Leaf l : revoked) {
                serials.put(
                        l.issued().certificate().getSerialNumber(),
                        Instant.now().minusSeconds(30));
            }
            Path file = dir.resolve(name + "-crl.pem");
            try {
                Pem.writePublic(file, authority.crl(serials, thisUpdate, nextUpdate));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return file;
        }
    }

    /** An issued certificate and the files it was written to. */
    public record Leaf(IssuedCertificate issued, Path certFile, Path keyFile) {
        public BigInteger serial() {
            return issued.certificate().getSerialNumber();
        }
    }

    private Path writeCert(String fileName, CertificateAuthority ca) {
        Path file = dir.resolve(fileName);
        try {
            Pem.writePublic(file, ca.certificate());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** Validity window helpers for expired and not-yet-valid certificates. */
    public static CertificateSpec.Builder expiredClient(String cn) {
        Instant now = Instant.now();
        return CertificateSpec.client(cn).validity(now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1)));
    }

    public static CertificateSpec.Builder notYetValidClient(String cn) {
        Instant now = Instant.now();
        return CertificateSpec.client(cn).validity(now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)));
    }
}
