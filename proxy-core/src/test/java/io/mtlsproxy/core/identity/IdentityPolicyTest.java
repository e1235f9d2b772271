package io.mtlsproxy.core.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.AllowList;
import io.mtlsproxy.config.ClientIdentity;
import io.mtlsproxy.config.IdentityMode;
import io.mtlsproxy.core.ca.CertificateAuthority;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.identity.IdentityPolicy.Decision;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Who may use a route: each allow-list kind, its traps, and the 495/496/403 decisions. */
class IdentityPolicyTest {
    @TempDir
    static Path dir;

    static CertificateAuthority ca;

    @BeforeAll
    static void ca() {
        ca = CertificateAuthority.createRoot("clients", java.time.Duration.ofDays(30), KeyAlgorithm.EC_P256);
    }

    static PeerIdentity peer(CertificateSpec.Builder spec) {
        return PeerIdentity.of(List.of(ca.issue(spec.build()).certificate()), true, null);
    }

    static PeerIdentity withUri(String uri) {
        return peer(CertificateSpec.client("workload").uri(uri));
    }

    static IdentityPolicy allow(List<String> subjects, List<String> dns, List<String> uris, List<String> prints) {
        return IdentityPolicy.of(
                new ClientIdentity(false, IdentityMode.ENFORCE, new AllowList(subjects, dns, uris, prints)));
    }

    static IdentityPolicy uris(String... uris) {
        return allow(List.of(), List.of(), List.of(uris), List.of());
    }

    @ParameterizedTest(name = "{0} admits {1}: {2}")
    @CsvSource({
        "spiffe://example.org/ns/prod/*, spiffe://example.org/ns/prod/sa/x, true",
        "spiffe://example.org/ns/prod/*, spiffe://example.org/ns/prod/sa, true",
        "spiffe://example.org/ns/prod/*, spiffe://example.org/ns/prod-evil/sa/x, false",
        "spiffe://example.org/ns/prod/*, spiffe://example.org/ns/prod, false",
        "spiffe://example.org/ns/prod/*, spiffe://example.org/ns/prod/, false",
        "spiffe://example.org/ns/prod/*, spiffe://example.org/ns/prod/../admin, false",
        "spiffe://example.org/ns/prod/*, spiffe://example.org/ns/prod/sa//x, false",
        "spiffe://example.org/ns/prod/*, spiffe://example.org/ns/prod/sa%2F..%2Fadmin, false",
        "spiffe://example.org/ns/prod/*, spiffe://example.org.evil/ns/prod/sa/x, false",
        "spiffe://example.org/ns/prod/sa/checkout, spiffe://example.org/ns/prod/sa/checkout, true",
        "spiffe://example.org/ns/prod/sa/checkout, spiffe://example.org/ns/prod/sa/checkout2, false",
        "spiffe://example.org/ns/prod/sa/checkout, spiffe://example.org/ns/prod/sa, false",
    })
    void uriSans(String allowed, String presented, boolean admitted) {
        assertEquals(
                admitted ? Decision.ADMIT : Decision.NOT_ALLOWED, uris(allowed).evaluate(withUri(presented)));
    }

    @ParameterizedTest(name = "{0} admits {1}: {2}")
    @CsvSource({
        "*.clients.example.com, a.clients.example.com, true",
        "*.clients.example.com, A.Clients.Example.COM., true",
        "*.clients.example.com, clients.example.com, false",
        "*.clients.example.com, a.b.clients.example.com, false",
        "*.clients.example.com, a.clients.example.com.evil.net, false",
        "*.com, example.com, false",
        "checkout.example.com, checkout.example.com, true",
        "checkout.example.com, x.checkout.example.com, false",
    })
    void dnsSans(String allowed, String presented, boolean admitted) {
        IdentityPolicy policy = allow(List.of(), List.of(allowed), List.of(), List.of());
        assertEquals(
                admitted ? Decision.ADMIT : Decision.NOT_ALLOWED,
                policy.evaluate(peer(CertificateSpec.client("workload").dns(presented))));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "CN=orders-client,O=Example | true",
                "cn=orders-client, o=Example | true",
                "CN = orders-client , O = example | true",
                "O=Example,CN=orders-client | true",
                "CN=orders-client | false",
                "CN=orders-client,O=Example,OU=extra | false",
                "CN=orders-client2,O=Example | false",
            })
    void subjectsCompareAsDistinguishedNames(String allowed, boolean admitted) {
        PeerIdentity orders = peer(CertificateSpec.client("orders-client").organization("Example"));
        IdentityPolicy policy = allow(List.of(allowed), List.of(), List.of(), List.of());
        assertEquals(admitted ? Decision.ADMIT : Decision.NOT_ALLOWED, policy.evaluate(orders));
    }

    @Test
    void aMalformedSubjectIsRefusedAtCompileTime() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> allow(List.of("not a dn"), List.of(), List.of(), List.of()));
        assertTrue(e.getMessage().contains("\"not a dn\" is not a distinguished name"), e.getMessage());
    }

    @Test
    void fingerprintsIgnoreCaseAndColons() {
        PeerIdentity p = peer(CertificateSpec.client("pinned"));
        StringBuilder colons = new StringBuilder();
        for (int i = 0; i < p.sha256().length(); i += 2) {
            colons.append(i == 0 ? "" : ":")
                    .append(p.sha256().substring(i, i + 2).toUpperCase());
        }
        assertEquals(
                Decision.ADMIT,
                allow(List.of(), List.of(), List.of(), List.of(colons.toString()))
                        .evaluate(p));
        assertEquals(
                Decision.NOT_ALLOWED,
                allow(List.of(), List.of(), List.of(), List.of("ab:cd")).evaluate(p));
    }

    @Test
    void anyOneMatchingEntryAdmits() {
        IdentityPolicy policy = allow(
                List.of("CN=nobody"),
                List.of("*.nowhere.example"),
                List.of("spiffe://example.org/ns/prod/*"),
                List.of("00"));
        assertEquals(Decision.ADMIT, policy.evaluate(withUri("spiffe://example.org/ns/prod/sa/a")));
        assertEquals(Set.of(IdentityPolicy.Kind.values()), policy.allowListKinds());
    }

    @Test
    void decisionsForMissingAndFailedCertificates() {
        PeerIdentity failed = PeerIdentity.of(
                List.of(ca.issue(CertificateSpec.client("x").build()).certificate()),
                false,
                "certificate CN=x expired");
        PeerIdentity good = peer(CertificateSpec.client("x"));

        IdentityPolicy open = IdentityPolicy.of(ClientIdentity.NONE);
        assertEquals(Decision.ADMIT, open.evaluate(PeerIdentity.ANONYMOUS));
        assertEquals(Decision.ADMIT, open.evaluate(failed), "no identity needed: a failed certificate is anonymous");
        assertEquals(Decision.ADMIT, open.evaluate(good));

        IdentityPolicy required = IdentityPolicy.of(new ClientIdentity(true, IdentityMode.ENFORCE, AllowList.ANY));
        assertEquals(Decision.NO_CERTIFICATE, required.evaluate(PeerIdentity.ANONYMOUS));
        assertEquals(496, required.evaluate(PeerIdentity.ANONYMOUS).status());
        assertEquals(Decision.BAD_CERTIFICATE, required.evaluate(failed));
        assertEquals(495, required.evaluate(failed).status());
        assertEquals(Decision.ADMIT, required.evaluate(good), "empty allow-list: any verified certificate");

        IdentityPolicy listed = uris("spiffe://example.org/ns/prod/*");
        assertEquals(
                Decision.NO_CERTIFICATE, listed.evaluate(PeerIdentity.ANONYMOUS), "an allow-list needs an identity");
        assertEquals(Decision.BAD_CERTIFICATE, listed.evaluate(failed));
        assertEquals(Decision.NOT_ALLOWED, listed.evaluate(good));
        assertEquals(403, listed.evaluate(good).status());
    }

    @Test
    void reportOnlyIsTheCallersToHonour() {
        IdentityPolicy policy = IdentityPolicy.of(new ClientIdentity(true, IdentityMode.REPORT_ONLY, AllowList.ANY));
        assertFalse(policy.enforced());
        assertEquals(Decision.NO_CERTIFICATE, policy.evaluate(PeerIdentity.ANONYMOUS), "the decision is still told");
    }

    @Test
    void peerIdentityCarriesSubjectSansAndFingerprint() throws Exception {
        var cert = ca.issue(CertificateSpec.client("orders-client")
                        .organization("Example")
                        .dns("a.example.com")
                        .uri("spiffe://example.org/ns/prod/sa/orders")
                        .build())
                .certificate();
        PeerIdentity p = PeerIdentity.of(List.of(cert), true, null);
        assertEquals(cert.getSubjectX500Principal().getName(), p.subject());
        assertEquals(List.of("a.example.com"), p.dnsSans());
        assertEquals(List.of("spiffe://example.org/ns/prod/sa/orders"), p.uriSans());
        assertEquals(
                java.util.HexFormat.of()
                        .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                                .digest(cert.getEncoded())),
                p.sha256());
    }
}
