package io.mtlsproxy.core.certs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.core.ca.CertificateAuthority;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(10)
class SubjectAltNameTest {
    @ParameterizedTest
    @ValueSource(strings = {"localhost", "api.example.com", "*.clients.example.com", "a-b.c1.example", "x"})
    void acceptsHostNames(String name) {
        assertEquals(name, SubjectAltName.dnsName(name));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "my server",
                "api.example.com.",
                "-a.example",
                "a..b",
                "a.*.example",
                "*",
                "under_score.example",
                "https://x"
            })
    void rejectsWhatIsNoHostName(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SubjectAltName.dnsName(name));
        assertTrue(e.getMessage().startsWith("dns: " + name + " (expected: "), e.getMessage());
    }

    @Test
    void normalisesIpLiterals() {
        assertEquals("127.0.0.1", SubjectAltName.ipLiteral("127.0.0.1"));
        assertEquals("0:0:0:0:0:0:0:1", SubjectAltName.ipLiteral("::1"));
        assertEquals("2001:db8:0:0:0:0:0:1", SubjectAltName.ipLiteral("2001:db8::1"));
    }

    /** Hex-looking words and short forms must fail as literals, never reach a DNS lookup. */
    @ParameterizedTest
    @ValueSource(strings = {"999.1.1.1", "1.2.3", "abc", "dead", "localhost", "1.2.3.4:80", "fe80::1%eth0", ""})
    void rejectsWhatIsNoIpLiteral(String ip) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SubjectAltName.ipLiteral(ip));
        assertEquals("ip: " + ip + " (expected: an IPv4 or IPv6 literal)", e.getMessage());
        assertFalse(SubjectAltName.isIpLiteral(ip));
    }

    @ParameterizedTest
    @ValueSource(strings = {"spiffe://example.org/ns/prod/sa/checkout", "spiffe://td/a", "spiffe://a-b_c.d/x.y-z_1"})
    void acceptsSpiffeIds(String id) {
        assertEquals(id, SubjectAltName.spiffeId(id));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "https://example.org/a",
                "SPIFFE://example.org/a",
                "spiffe://Example.org/a",
                "spiffe://example.org",
                "spiffe://example.org/",
                "spiffe:///a",
                "spiffe://example.org:443/a",
                "spiffe://user@example.org/a",
                "spiffe://example.org/a//b",
                "spiffe://example.org/a/../b",
                "spiffe://example.org/a/",
                "spiffe://example.org/a?x=1",
                "spiffe://example.org/a#f",
                "spiffe://example.org/a b"
            })
    void rejectsWhatIsNoSpiffeId(String id) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SubjectAltName.spiffeId(id));
        assertTrue(
                e.getMessage().startsWith("uri: " + id + " (expected: spiffe://trust-domain/path; "), e.getMessage());
    }

    @Test
    void readsTheSansOfACertificateInOrder() {
        CertificateAuthority ca =
                CertificateAuthority.createRoot("ca", java.time.Duration.ofDays(1), KeyAlgorithm.EC_P256);
        var cert = ca.issue(CertificateSpec.server("s")
                        .dns("a.example")
                        .ip("10.0.0.1")
                        .uri("spiffe://example.org/s")
                        .build())
                .certificate();
        assertEquals(
                "[DNS:a.example, IP:10.0.0.1, URI:spiffe://example.org/s]",
                SubjectAltName.of(cert).toString());
    }

    @Test
    void picksTheValuesOfOneKind() {
        CertificateAuthority ca =
                CertificateAuthority.createRoot("ca", java.time.Duration.ofDays(1), KeyAlgorithm.EC_P256);
        var cert = ca.issue(CertificateSpec.server("s")
                        .dns("a.example")
                        .ip("10.0.0.1")
                        .dns("*.b.example")
                        .uri("spiffe://example.org/s")
                        .build())
                .certificate();
        assertEquals(
                java.util.List.of("a.example", "*.b.example"), SubjectAltName.values(cert, SubjectAltName.Kind.DNS));
        assertEquals(java.util.List.of("spiffe://example.org/s"), SubjectAltName.values(cert, SubjectAltName.Kind.URI));
        assertEquals(java.util.List.of("10.0.0.1"), SubjectAltName.values(cert, SubjectAltName.Kind.IP));
        assertEquals(java.util.List.of(), SubjectAltName.values(cert, SubjectAltName.Kind.EMAIL));
        assertEquals(java.util.List.of(), SubjectAltName.values(ca.certificate(), SubjectAltName.Kind.DNS));
    }
}
