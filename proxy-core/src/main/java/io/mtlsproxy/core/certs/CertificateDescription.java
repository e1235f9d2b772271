package io.mtlsproxy.core.certs;

import static java.util.Objects.requireNonNull;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * What an operator wants to know about a certificate: who it names, who signed it, its serial and SANs, its key,
 * its validity and its SHA-256 fingerprint. Serial and fingerprint are lowercase hex without separators, as
 * {@code /certs} prints them, so that the two can be compared with grep.
 */
public record CertificateDescription(
        String subject,
        String issuer,
        String serial,
        List<SubjectAltName> sans,
        String keyType,
        List<String> extendedKeyUsages,
        boolean ca,
        Instant notBefore,
        Instant notAfter,
        String sha256) {
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

    public CertificateDescription {
        requireNonNull(subject, "subject");
        requireNonNull(issuer, "issuer");
        requireNonNull(serial, "serial");
        sans = List.copyOf(sans);
        requireNonNull(keyType, "keyType");
        extendedKeyUsages = List.copyOf(extendedKeyUsages);
        requireNonNull(notBefore, "notBefore");
        requireNonNull(notAfter, "notAfter");
        requireNonNull(sha256, "sha256");
    }

    public static CertificateDescription of(X509Certificate certificate) {
        return new CertificateDescription(
                certificate.getSubjectX500Principal().getName(),
                certificate.getIssuerX500Principal().getName(),
                serialHex(certificate.getSerialNumber()),
                SubjectAltName.of(certificate),
                keyType(certificate.getPublicKey()),
                extendedKeyUsages(certificate),
                certificate.getBasicConstraints() >= 0,
                certificate.getNotBefore().toInstant(),
                certificate.getNotAfter().toInstant(),
                sha256(certificate));
    }

    /** True when the subject is also the issuer (a root CA, or a self-signed leaf). */
    public boolean selfIssued() {
        return subject.equals(issuer);
    }

    /** Lowercase hex without separators or leading zeros, as {@code openssl x509 -serial} prints it lowercased. */
    public static String serialHex(BigInteger serial) {
        return serial.toString(16);
    }

    /** Lowercase hex SHA-256 of the DER encoding, without separators. */
    public static String sha256(X509Certificate certificate) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot fingerprint " + certificate.getSubjectX500Principal(), e);
        }
    }

    /** {@code EC P-256}, {@code RSA 2048}, {@code Ed25519}, ...: the key as an operator names it. */
    public static String keyType(PublicKey key) {
        if (key instanceof ECPublicKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            return switch (bits) {
                case 256, 384 -> "EC P-" + bits;
                case 521 -> "EC P-521";
                default -> "EC " + bits + "-bit";
            };
        }
        if (key instanceof RSAPublicKey rsa) {
            return "RSA " + rsa.getModulus().bitLength();
        }
        return key.getAlgorithm();
    }

    /** {@code serverAuth}, {@code clientAuth}, or the OID of any other purpose. */
    private static List<String> extendedKeyUsages(X509Certificate certificate) {
        List<String> out = new ArrayList<>();
        try {
            List<String> oids = certificate.getExtendedKeyUsage();
            if (oids != null) {
                for (String oid : oids) {
                    out.add(
                            switch (oid) {
                                case SERVER_AUTH -> "serverAuth";
                                case CLIENT_AUTH -> "clientAuth";
                                default -> oid;
                            });
                }
            }
        } catch (CertificateParsingException e) {
            out.add("unreadable");
        }
        return out;
    }
}
