package io.mtlsproxy.admin.inventory;

import io.mtlsproxy.core.certs.CertificateDescription;
import io.mtlsproxy.core.certs.SubjectAltName;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.security.auth.x500.X500Principal;

/** How /certs spells a certificate's names, serial, SANs and fingerprint. */
public final class CertificateFacts {
    private CertificateFacts() {}

    /** RFC 2253, as OpenSSL's {@code -nameopt RFC2253} and the allow-list's {@code subjects} spell it. */
    public static String name(X500Principal principal) {
        return principal.getName(X500Principal.RFC2253);
    }

    /** Lowercase hex of the serial number, no separators, no leading zero padding. */
    public static String serial(X509Certificate cert) {
        return cert.getSerialNumber().toString(16);
    }

    /** Lowercase hex SHA-256 of the DER encoding, no separators: the {@code Hash=} of X-Forwarded-Client-Cert. */
    public static String sha256(X509Certificate cert) {
        return CertificateDescription.sha256(cert);
    }

    /**
     * Subject alternative names as {@code TYPE:value} strings in certificate order, the way OpenSSL prints them:
     * {@code DNS:api.example.com}, {@code IP:127.0.0.1}, {@code URI:spiffe://…}, {@code email:a@b}. Other name
     * types (directory names, other names) are left out.
     */
    public static List<String> sans(X509Certificate cert) {
        List<SubjectAltName> names;
        try {
            names = SubjectAltName.of(cert);
        } catch (IllegalArgumentException e) {
            return List.of();
        }
        return names.stream()
                .filter(n -> n.kind() != SubjectAltName.Kind.OTHER)
                .map(n -> n.kind() == SubjectAltName.Kind.EMAIL ? "email:" + n.value() : n.toString())
                .toList();
    }
}
