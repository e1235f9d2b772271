package io.mtlsproxy.core.ca;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.core.certs.IssuedCertificate;
import io.mtlsproxy.core.certs.SubjectAltName;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class CertificateAuthorityTest {
    private final CertificateAuthority root = CertificateAuthority.createRoot(
            "Test root",
            "Example",
            Instant.now().minusSeconds(60),
            Instant.now().plus(Duration.ofDays(30)),
            KeyAlgorithm.EC_P256);

    @Test
    void subjectReadsCnFirstAsAllowListsWriteIt() {
        X509Certificate client = root.issue(CertificateSpec.client("orders-client")
                        .organization("Example")
                        .build())
                .certificate();
        assertEquals(
                "CN=orders-client,O=Example", client.getSubjectX500Principal().getName());
        assertEquals(
                "CN=Test root,O=Example",
                root.certificate().getSubjectX500Principal().getName());
    }

    @Test
    void reissueKeepsSubjectSansAndEkuWithANewKeyAndSerial() throws Exception {
        IssuedCertificate first = root.issue(CertificateSpec.server("api.example.com")
                .organization("Example")
                .dns("api.example.com", "*.api.example.com")
                .ip("10.1.2.3")
                .uri("spiffe://example.org/api")
                .build());
        KeyPair fresh = KeyAlgorithm.EC_P256.generate();
        Instant notBefore = Instant.now().minusSeconds(300);
        X509Certificate renewed =
                root.reissue(first.certificate(), fresh.getPublic(), notBefore, notBefore.plus(Duration.ofDays(10)));

        assertEquals(first.certificate().getSubjectX500Principal(), renewed.getSubjectX500Principal());
        assertEquals(SubjectAltName.of(first.certificate()), SubjectAltName.of(renewed));
        assertEquals(first.certificate().getExtendedKeyUsage(), renewed.getExtendedKeyUsage());
        assertEquals(-1, renewed.getBasicConstraints());
        assertNotEquals(first.certificate().getSerialNumber(), renewed.getSerialNumber());
        assertEquals(fresh.getPublic(), renewed.getPublicKey());
        assertTrue(root.isIssuerOf(renewed));
        assertEquals(
                notBefore.plus(Duration.ofDays(10)).getEpochSecond(),
                renewed.getNotAfter().toInstant().getEpochSecond());
    }

    @Test
    void reissueRefusesACaCertificate() {
        assertThrows(
                IllegalArgumentException.class,
                () -> root.reissue(
                        root.certificate(),
                        KeyAlgorithm.EC_P256.generate().getPublic(),
                        Instant.now(),
                        Instant.now().plusSeconds(60)));
    }

    @Test
    void aCaOfTheSameNameIsNotTheIssuer() {
        CertificateAuthority impostor = CertificateAuthority.createRoot(
                "Test root",
                "Example",
                Instant.now().minusSeconds(60),
                Instant.now().plus(Duration.ofDays(1)),
                KeyAlgorithm.EC_P256);
        X509Certificate leaf =
                impostor.issue(CertificateSpec.client("c").build()).certificate();
        assertEquals(root.certificate().getSubjectX500Principal(), leaf.getIssuerX500Principal());
        assertFalse(root.isIssuerOf(leaf));
        assertTrue(impostor.isIssuerOf(leaf));
    }

    @Test
    void leavesOfAnIntermediateCarryItButNeverTheRoot() throws Exception {
        CertificateAuthority intermediate = root.intermediate(CertificateSpec.intermediateCa("Issuing CA")
                .validFor(Duration.ofDays(10))
                .build());
        assertEquals(List.of(root.certificate()), intermediate.issuers());
        IssuedCertificate leaf =
                intermediate.issue(CertificateSpec.server("s").dns("s.example").build());
        assertEquals(List.of(leaf.certificate(), intermediate.certificate()), leaf.chain());
        leaf.certificate().verify(intermediate.certificate().getPublicKey());

        CertificateAuthority second = intermediate.intermediate(CertificateSpec.intermediateCa("Second")
                .validFor(Duration.ofDays(5))
                .build());
        assertEquals(List.of(second.certificate(), intermediate.certificate()), second.intermediates());
    }

    @Test
    void crlCarriesEntriesReasonsAndNumber() {
        Instant at = Instant.parse("2026-01-02T03:04:05Z");
        X509Certificate a = root.issue(CertificateSpec.client("a").build()).certificate();
        X509Certificate b = root.issue(CertificateSpec.client("b").build()).certificate();
        var crl = root.crl(
                List.of(
                        new Revocation(a.getSerialNumber(), at, RevocationReason.SUPERSEDED),
                        new Revocation(b.getSerialNumber(), at, RevocationReason.UNSPECIFIED)),
                at,
                at.plus(Duration.ofDays(7)),
                java.math.BigInteger.valueOf(42));
        CrlDescription d = CrlDescription.of(crl);
        assertEquals(java.math.BigInteger.valueOf(42), d.number().orElseThrow());
        assertEquals(at, d.thisUpdate());
        assertEquals(at.plus(Duration.ofDays(7)), d.nextUpdate().orElseThrow());
        assertTrue(d.contains(a.getSerialNumber()) && d.contains(b.getSerialNumber()));
        assertEquals(
                RevocationReason.SUPERSEDED,
                d.entries().stream()
                        .filter(e -> e.serial().equals(a.getSerialNumber()))
                        .findFirst()
                        .orElseThrow()
                        .reason());
        // "unspecified" is written as no reason code at all (RFC 5280 5.3.1)
        assertEquals(null, crl.getRevokedCertificate(b.getSerialNumber()).getRevocationReason());
        assertFalse(d.isStale(at.plus(Duration.ofDays(6))));
        assertTrue(d.isStale(at.plus(Duration.ofDays(7))));
    }

    /** "abc" looks like hex: the old check passed it to InetAddress, which would have looked it up in DNS. */
    @Test
    void rejectsIpSansThatAreNoLiterals() {
        assertThrows(
                IllegalArgumentException.class,
                () -> root.issue(CertificateSpec.server("s").ip("abc").build()));
        assertThrows(
                IllegalArgumentException.class,
                () -> root.issue(CertificateSpec.server("s").ip("1.2.3").build()));
    }

    /** Tests make certificates with odd SANs on purpose (to see them rejected); the CLI is the strict one. */
    @Test
    void signsOddDnsAndUriSansAsGiven() {
        X509Certificate odd = root.issue(CertificateSpec.client("c")
                        .dns("under_score.example")
                        .uri("spiffe://Bad/x")
                        .build())
                .certificate();
        assertEquals(
                "[DNS:under_score.example, URI:spiffe://Bad/x]",
                SubjectAltName.of(odd).toString());
    }
}
