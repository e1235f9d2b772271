package io.mtlsproxy.core.certs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.core.ca.CertificateAuthority;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class Pkcs12Test {
    private final CertificateAuthority ca =
            CertificateAuthority.createRoot("ca", Duration.ofDays(1), KeyAlgorithm.EC_P256);
    private final IssuedCertificate leaf =
            ca.issue(CertificateSpec.server("s").dns("s.example").build());

    @Test
    void recognisesAKeystore() throws Exception {
        byte[] p12 = Pkcs12.encode(leaf, "secret".toCharArray());
        assertTrue(Pkcs12.looksLikePkcs12(p12));
        assertEquals(
                leaf.certificate(),
                Pkcs12.readCertificates(p12, "secret".toCharArray()).get(0));
    }

    /** DER certificates and CRLs also start with a SEQUENCE: the old first-byte check took them for PKCS#12. */
    @Test
    void doesNotMistakeDerCertificatesOrCrlsForKeystores() throws Exception {
        assertFalse(Pkcs12.looksLikePkcs12(leaf.certificate().getEncoded()));
        assertFalse(Pkcs12.looksLikePkcs12(ca.certificate().getEncoded()));
        assertFalse(Pkcs12.looksLikePkcs12(
                ca.crl(Map.of(), Instant.now(), Instant.now().plusSeconds(60)).getEncoded()));
    }

    @Test
    void doesNotMistakeOtherBytesForKeystores() {
        assertFalse(Pkcs12.looksLikePkcs12(new byte[0]));
        assertFalse(Pkcs12.looksLikePkcs12(new byte[] {0x30, 0x03, 0x02, 0x01, 0x03}));
        assertFalse(Pkcs12.looksLikePkcs12(new byte[] {0x30, (byte) 0x82, 0x7f, 0x7f, 0x02}));
        assertFalse(Pkcs12.looksLikePkcs12(Pem.encode(leaf.certificate()).getBytes(StandardCharsets.US_ASCII)));
    }
}
