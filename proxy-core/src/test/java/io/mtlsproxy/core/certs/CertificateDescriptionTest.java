package io.mtlsproxy.core.certs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.core.ca.CertificateAuthority;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class CertificateDescriptionTest {
    @Test
    void describesALeaf() throws Exception {
        CertificateAuthority ca = CertificateAuthority.createRoot("Edge CA", Duration.ofDays(10), KeyAlgorithm.EC_P256);
        var cert = ca.issue(CertificateSpec.client("orders-client")
                        .organization("Example")
                        .uri("spiffe://example.org/ns/prod/sa/checkout")
                        .build())
                .certificate();
        CertificateDescription d = CertificateDescription.of(cert);

        assertEquals("CN=orders-client,O=Example", d.subject());
        assertEquals("CN=Edge CA", d.issuer());
        assertEquals(cert.getSerialNumber().toString(16), d.serial());
        assertEquals(d.serial().toLowerCase(), d.serial());
        assertEquals(
                List.of(new SubjectAltName(SubjectAltName.Kind.URI, "spiffe://example.org/ns/prod/sa/checkout")),
                d.sans());
        assertEquals("EC P-256", d.keyType());
        assertEquals(List.of("clientAuth"), d.extendedKeyUsages());
        assertFalse(d.ca());
        assertEquals(
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded())), d.sha256());
        assertEquals(64, d.sha256().length());
        assertTrue(CertificateDescription.of(ca.certificate()).ca());
        assertTrue(CertificateDescription.of(ca.certificate()).selfIssued());
    }

    @Test
    void namesRsaKeysAndMapsThemBack() {
        CertificateAuthority ca = CertificateAuthority.createRoot("RSA CA", Duration.ofDays(1), KeyAlgorithm.RSA_2048);
        assertEquals("RSA 2048", CertificateDescription.keyType(ca.certificate().getPublicKey()));
        assertEquals(KeyAlgorithm.RSA_2048, KeyAlgorithm.of(ca.certificate().getPublicKey()));
        assertTrue(KeyAlgorithm.isPair(ca.certificate().getPublicKey(), ca.privateKey()));
        var publicKey = ca.certificate().getPublicKey();
        assertFalse(
                KeyAlgorithm.isPair(publicKey, KeyAlgorithm.RSA_2048.generate().getPrivate()));
        assertFalse(
                KeyAlgorithm.isPair(publicKey, KeyAlgorithm.EC_P256.generate().getPrivate()));
    }
}
