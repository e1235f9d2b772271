package io.mtlsproxy.admin.inventory;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;

import javax.security.auth.x500.X500Principal;

/** How /certs spells a certificate's names, serial, SANs and fingerprint. */
public final class CertificateFacts {
    private static final HexFormat HEX = HexFormat.of();

    private CertificateFacts() {
    }

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
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot fingerprint " + name(cert.getSubjectX500Principal()), e);
        }
    }

    /**
     * Subject alternative names as {@code TYPE:value} strings in certificate order, the way OpenSSL prints them:
     * {@code DNS:api.example.com}, {@code IP:127.0.0.1}, {@code URI:spiffe://…}, {@code email:a@b}. Other name
     * types (directory names, other names) are left out.
     */
    public static List<String> sans(X509Certificate cert) {
        Collection<List<?>> names;
        try {
            names = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return List.of();
        }
        if (names == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (List<?> san : names) {
            String prefix = switch ((Integer) san.get(0)) {
                case 1 -> "email:";
                case 2 -> "DNS:";
                case 6 -> "URI:";
                case 7 -> "IP:";
                default -> null;
            };
            if (prefix != null && san.get(1) instanceof String value) {
                out.add(prefix + value);
            }
        }
        return List.copyOf(out);
    }
}
