package io.mtlsproxy.core.renew.acme;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.AcmeChallenge;
import io.mtlsproxy.config.AcmeIssuerConfig;
import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.testing.LeakGuard;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestPki;
import io.mtlsproxy.core.testing.TestTls;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.shredzone.acme4j.Identifier;
import org.shredzone.acme4j.util.CertificateUtils;

/**
 * tls-alpn-01 on the proxy's listeners without an ACME server: answers pinned on the board by hand, probed with
 * the handshake a validation server makes. Only an acme-tls/1 hello for a pending name gets the validation
 * certificate, with no client certificate asked and nothing after the handshake; every other hello is closed or
 * goes on to the listener as before.
 */
class TlsAlpnChallengeListenerTest {
    @TempDir
    static Path dir;

    private static TestPki.Ca serverCa;
    private static TestPki.Leaf client;
    private static TestPki.Leaf proxyCert;
    private static ChallengeProxy fx;

    @BeforeAll
    static void start() throws Exception {
        LeakGuard.install();
        TestPki pki = new TestPki(dir);
        serverCa = pki.ca("server");
        TestPki.Ca clientCa = pki.ca("clients");
        client = clientCa.client("client-a");
        proxyCert = serverCa.server("proxy", "api.example.test");
        AcmeIssuerConfig issuer = new AcmeIssuerConfig(
                "acme",
                URI.create("https://acme.invalid/dir"),
                Optional.empty(),
                dir.resolve("acme.key"),
                List.of(),
                AcmeChallenge.TLS_ALPN_01,
                "public",
                TestConfigs.SOURCE);
        List<ListenerConfig> listeners = List.of(
                TestConfigs.listener(
                        "public", TestConfigs.mtls(proxyCert, clientCa.certFile(), ClientAuth.REQUIRED, false)),
                TestConfigs.listener(
                        "other", TestConfigs.mtls(proxyCert, clientCa.certFile(), ClientAuth.OPTIONAL, false)));
        fx = new ChallengeProxy(dir, listeners, List.of(issuer));
    }

    @AfterAll
    static void stop() {
        if (fx != null) {
            fx.close();
        }
        LeakGuard.assertNoLeaks();
    }

    @Test
    void aPendingChallengeGetsTheValidationHandshakeAndNothingElse() throws Exception {
        int before = fx.origin.requests();
        X509Certificate challengeCert;
        try (AcmeChallenges.Publication p = publish("api.example.test")) {
            challengeCert = published;
            AlpnProbe.Result r = AlpnProbe.probe(fx.port("public"), "api.example.test", "acme-tls/1");
            assertNull(r.failure(), () -> "validation handshake failed: " + r.failure());
            assertArrayEquals(
                    challengeCert.getEncoded(),
                    r.certificate().getEncoded(),
                    "the challenge's certificate, not the listener's");
            assertEquals("acme-tls/1", r.protocol());
            assertFalse(r.clientCertificateRequested(), "a validation server has no client certificate");
            assertTrue(r.closedAfterHandshake(), "no HTTP behind a validation handshake");

            // meanwhile, on the same listener, ordinary mTLS traffic is untouched
            assertEquals(200, mtlsGet("public").status());
        }
        assertEquals(before + 1, fx.origin.requests(), "only the mTLS request reached the origin");
        assertEquals(0, fx.board().pending());
        AlpnProbe.Result after = AlpnProbe.probe(fx.port("public"), "api.example.test", "acme-tls/1");
        assertNull(after.certificate(), "once the challenge is over, acme-tls/1 is refused");
    }

    @Test
    void acmeTlsWithoutAPendingChallengeIsClosedNotRouted() throws Exception {
        try (AcmeChallenges.Publication p = publish("api.example.test")) {
            AlpnProbe.Result other = AlpnProbe.probe(fx.port("public"), "www.example.test", "acme-tls/1");
            assertNull(other.certificate(), "no challenge for that name: closed");
            assertNotNull(other.failure());
            AlpnProbe.Result among = AlpnProbe.probe(fx.port("public"), "api.example.test", "h2", "acme-tls/1");
            assertEquals("acme-tls/1", among.protocol(), "acme-tls/1 among other protocols is still a validation");
        }
        assertEquals(200, mtlsGet("public").status(), "and the listener serves on");
    }

    @Test
    void aListenerNoIssuerNamesIgnoresAcmeTls() throws Exception {
        try (AcmeChallenges.Publication p = publish("api.example.test")) {
            AlpnProbe.Result r = AlpnProbe.probe(fx.port("other"), "api.example.test", "acme-tls/1");
            assertNull(r.failure(), () -> "the listener's own handshake: " + r.failure());
            assertArrayEquals(
                    proxyCert.issued().certificate().getEncoded(),
                    r.certificate().getEncoded(),
                    "the listener's own certificate: this listener answers no challenge");
            assertTrue(r.clientCertificateRequested(), "with its own client-certificate request");
        }
    }

    @Test
    void ordinaryClientsOfferingOtherProtocolsAreUnaffected() throws Exception {
        try (AcmeChallenges.Publication p = publish("api.example.test")) {
            AlpnProbe.Result r = AlpnProbe.probe(fx.port("public"), "api.example.test", "http/1.1");
            // required client auth and no certificate: the listener's own handshake refuses it, as before
            assertTrue(r.clientCertificateRequested());
            assertEquals(200, mtlsGet("public").status());
        }
    }

    private static X509Certificate published;

    private static AcmeChallenges.Publication publish(String name) throws Exception {
        KeyPair key = KeyAlgorithm.RSA_2048.generate();
        byte[] validation = new byte[32];
        new SecureRandom().nextBytes(validation);
        published = CertificateUtils.createTlsAlpn01Certificate(key, Identifier.dns(name), validation);
        return fx.board().publishTlsAlpn01(name, key, published);
    }

    private static RawHttpClient.Response mtlsGet(String listener) throws Exception {
        try (RawHttpClient c = RawHttpClient.connectTls(
                fx.port(listener), TestTls.client(serverCa.certFile(), client), "api.example.test")) {
            return c.get("api.example.test", "/hello");
        }
    }
}
