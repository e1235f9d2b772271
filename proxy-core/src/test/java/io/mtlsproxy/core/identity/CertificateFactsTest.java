package io.mtlsproxy.core.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.mtlsproxy.core.pki.CertificateDescription;
import io.mtlsproxy.core.testing.TestPki;

@Timeout(30)
class CertificateFactsTest {
    @TempDir
    Path dir;

    @Test
    void theSameCertificateIsReadOnceAndAnotherIsReadAnew() throws Exception {
        TestPki.Ca ca = new TestPki(dir).ca("facts-ca");
        X509Certificate alice = ca.client("alice", "spiffe://example.org/alice").issued().certificate();
        X509Certificate bob = ca.client("bob", "spiffe://example.org/bob").issued().certificate();

        CertificateFacts first = CertificateFacts.of(alice);
        // another object with the same bytes, as each handshake gets: the facts read before
        assertSame(first, CertificateFacts.of(reparse(alice)));
        CertificateFacts other = CertificateFacts.of(bob);
        assertNotEquals(first.sha256, other.sha256);
        assertEquals(List.of("spiffe://example.org/bob"), other.uriSans);
        assertEquals(CertificateDescription.sha256(bob), other.sha256);
        assertEquals(bob.getSubjectX500Principal().getName(), other.subject);

        PeerIdentity id = PeerIdentity.of(List.of(reparse(alice)), true, null);
        assertEquals(List.of("spiffe://example.org/alice"), id.uriSans());
        assertEquals(PeerIdentity.sha256Hex(alice), id.sha256());
        assertEquals(alice.getSubjectX500Principal().getName(), id.subject());
    }

    private static X509Certificate reparse(X509Certificate c) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(c.getEncoded()));
    }
}
