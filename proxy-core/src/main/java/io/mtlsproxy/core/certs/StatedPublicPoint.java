package io.mtlsproxy.core.certs;

import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1BitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * The public point an EC key file states beside its private scalar: OpenSSL and BouncyCastle write it in the SEC1
 * structure (inside PKCS#8 or alone), and the JDK keeps the bytes it read. When it is the certificate's own point,
 * the key is taken to belong to the certificate without computing the point again, exactly as OpenSSL's
 * {@code X509_check_private_key} (and so {@code nginx -t}) decides: it too uses the stated point. A file that
 * states a point its scalar does not make is not something a tool writes; it cannot pass off a foreign key either,
 * since a handshake signs with the scalar and the client verifies against the certificate, so it fails there.
 */
final class StatedPublicPoint {
    private StatedPublicPoint() {}

    /** True when the key states a point and that point, on the same curve, is the certificate's. */
    static boolean isCertificates(ECPrivateKey key, ECPublicKey certified) {
        var k = key.getParams();
        var c = certified.getParams();
        if (!k.getCurve().equals(c.getCurve())
                || !k.getGenerator().equals(c.getGenerator())
                || !k.getOrder().equals(c.getOrder())) {
            return false;
        }
        return of(key).map(point -> Arrays.equals(point, pointOf(certified))).orElse(false);
    }

    /** The encoded point the key's PKCS#8 (v2) or SEC1 structure carries; empty when it carries none. */
    static Optional<byte[]> of(ECPrivateKey key) {
        byte[] encoded = key.getEncoded();
        if (encoded == null) {
            return Optional.empty();
        }
        try {
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(encoded);
            ASN1BitString stated = info.getPublicKeyData();
            if (stated == null) {
                stated = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey())
                        .getPublicKey();
            }
            return stated == null ? Optional.empty() : Optional.of(stated.getOctets());
        } catch (java.io.IOException | RuntimeException e) {
            return Optional.empty(); // not a structure we know: the caller computes the point instead
        }
    }

    private static byte[] pointOf(ECPublicKey key) {
        return SubjectPublicKeyInfo.getInstance(key.getEncoded())
                .getPublicKeyData()
                .getOctets();
    }
}
