package io.mtlsproxy.core.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The facts kept per client certificate (notAfter included) are the certificate's own, whichever copy of it a
 * handshake holds.
 */
class LeafFactsTest {
    @TempDir
    Path dir;

    @Test
    void aCertificateSeenAgainHasTheFactsOfItsOwnBytes() throws Exception {
        TestPki.Ca ca = new TestPki(dir).ca("clients");
        TestPki.Leaf first = ca.client("orders-client", "spiffe://example.org/orders");
        X509Certificate reread =
                Pem.readCertificates(Files.readAllBytes(first.certFile())).get(0);
        TestPki.Leaf renewed = ca.client("orders-client", "spiffe://example.org/orders");

        PeerIdentity seen = PeerIdentity.of(List.of(first.issued().certificate()), true, null);
        PeerIdentity again = PeerIdentity.of(List.of(reread), true, null);
        assertEquals(seen.sha256(), again.sha256());
        assertEquals(PeerIdentity.sha256Hex(reread), again.sha256());
        assertEquals(first.serial().toString(16), again.serial());
        assertEquals(reread.getSubjectX500Principal().getName(), again.subject());
        assertEquals(List.of("spiffe://example.org/orders"), again.uriSans());
        assertEquals(reread.getNotAfter().toInstant(), again.notAfter());
        assertTrue(again.verified());

        // same subject and SAN, another certificate: its own fingerprint and serial, never the first one's
        PeerIdentity other = PeerIdentity.of(List.of(renewed.issued().certificate()), false, "revoked");
        assertNotEquals(seen.sha256(), other.sha256());
        assertEquals(renewed.serial().toString(16), other.serial());
        assertEquals(renewed.issued().certificate().getNotAfter().toInstant(), other.notAfter());
        assertEquals("revoked", other.verificationError(), "the verdict is the caller's, never kept");
    }
}
