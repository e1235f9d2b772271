package io.mtlsproxy.core.renew.acme;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mtlsproxy.config.AcmeChallenge;
import io.mtlsproxy.config.AcmeIssuerConfig;
import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.FileRef;
import io.mtlsproxy.config.Limits;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.renew.CsrBuilder;
import io.mtlsproxy.core.renew.IssueException;
import io.mtlsproxy.core.testing.LeakGuard;
import io.mtlsproxy.core.testing.NginxOrigin;
import io.mtlsproxy.core.testing.PebbleServer;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestPki;
import io.mtlsproxy.core.testing.TestTls;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ACME issuer against a real Pebble whose validation authority connects to the proxy's own listeners: an mTLS
 * listener with required client certificates answers tls-alpn-01, a plain one http-01. Pebble validates for real.
 */
class AcmeIssuerPebbleTest {
    @TempDir
    static Path dir;

    private static TestPki.Ca serverCa;
    private static TestPki.Leaf client;
    private static PebbleServer pebble;
    private static ChallengeProxy fx;
    private static AcmeIssuerConfig alpnIssuer;
    private static AcmeIssuerConfig httpIssuer;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(PebbleServer.installed(), "needs Debian's pebble package (/usr/bin/pebble, pebble-challtestsrv)");
        LeakGuard.install();
        TestPki pki = new TestPki(dir.resolve("pki"));
        serverCa = pki.ca("server");
        TestPki.Ca clientCa = pki.ca("clients");
        client = clientCa.client("client-a");
        int tlsPort = NginxOrigin.freePort();
        int httpPort = NginxOrigin.freePort();
        pebble = PebbleServer.start(dir.resolve("pebble"), httpPort, tlsPort);
        alpnIssuer = issuer("pebble-alpn", pebble.directory(), AcmeChallenge.TLS_ALPN_01, "public");
        httpIssuer = issuer("pebble-http", pebble.directory(), AcmeChallenge.HTTP_01, "web");
        List<ListenerConfig> listeners = List.of(
                new ListenerConfig(
                        "public",
                        "127.0.0.1",
                        tlsPort,
                        false,
                        TestConfigs.mtls(
                                serverCa.server("proxy", "api.example.test"),
                                clientCa.certFile(),
                                ClientAuth.REQUIRED,
                                false),
                        Limits.DEFAULT,
                        TestConfigs.SOURCE),
                new ListenerConfig(
                        "web", "127.0.0.1", httpPort, false, ListenerTls.plain(), Limits.DEFAULT, TestConfigs.SOURCE));
        fx = new ChallengeProxy(dir, listeners, List.of(alpnIssuer, httpIssuer));
    }

    static AcmeIssuerConfig issuer(String name, URI directory, AcmeChallenge challenge, String listener) {
        return new AcmeIssuerConfig(
                name,
                directory,
                Optional.of(new FileRef(pebble.trustCa(), "trust-ca", TestConfigs.SOURCE)),
                dir.resolve("state/" + name + ".key"),
                List.of("mailto:ops@example.test"),
                challenge,
                listener,
                TestConfigs.SOURCE);
    }

    @AfterAll
    static void stop() {
        if (fx != null) {
            fx.close();
        }
        if (pebble != null) {
            pebble.close();
        }
        LeakGuard.assertNoLeaks();
    }

    @Test
    void tlsAlpn01IsAnsweredByAnMtlsListenerThatRequiresClientCertificates() throws Exception {
        CsrBuilder.Pending csr = csrFor("api.example.test");
        List<X509Certificate> chain = new AcmeIssuer(alpnIssuer, fx.board()).issue(csr.request());

        assertIssuedFor(chain, csr, "api.example.test");
        assertEquals(0, fx.board().pending(), "the answers come down after the issuance");
        Path accountKey = alpnIssuer.accountKey();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(accountKey)));

        // the same account key, read back from disk, serves a second order (several names, one authz each)
        CsrBuilder.Pending two = csrFor("api.example.test", "www.api.example.test");
        assertIssuedFor(
                new AcmeIssuer(alpnIssuer, fx.board()).issue(two.request()),
                two,
                "api.example.test",
                "www.api.example.test");
    }

    @Test
    void http01IsAnsweredByAPlainListener() throws Exception {
        CsrBuilder.Pending csr = csrFor("www.example.test");
        List<X509Certificate> chain = new AcmeIssuer(httpIssuer, fx.board()).issue(csr.request());

        assertIssuedFor(chain, csr, "www.example.test");
        assertEquals(0, fx.board().pending());
        try (RawHttpClient c = RawHttpClient.connect(fx.port("web"))) {
            assertEquals(
                    404,
                    c.get("www.example.test", "/.well-known/acme-challenge/gone")
                            .status(),
                    "a token whose challenge is over is not answered");
        }
    }

    @Test
    void aValidationTheListenerDoesNotAnswerSaysWhichNameAndWhy() throws Exception {
        // answers pinned on a board no listener reads: the listeners see validations for nothing pending
        AcmeChallenges elsewhere = new AcmeChallenges();
        IssueException alpn = assertThrows(
                IssueException.class,
                () -> new AcmeIssuer(alpnIssuer, elsewhere)
                        .issue(csrFor("nowhere.example.test").request()));
        assertTrue(
                alpn.getMessage().startsWith("acme: authorization for nowhere.example.test invalid: "),
                alpn.getMessage());
        IssueException http = assertThrows(
                IssueException.class,
                () -> new AcmeIssuer(httpIssuer, elsewhere)
                        .issue(csrFor("nowhere.example.test").request()));
        assertTrue(
                http.getMessage().startsWith("acme: authorization for nowhere.example.test invalid: "),
                http.getMessage());
        assertTrue(http.getMessage().contains("404"), http.getMessage());
        assertEquals(0, elsewhere.pending(), "the answers come down after a failure too");
    }

    @Test
    void anUntrustedServerIsRefusedWithAHint() throws Exception {
        AcmeIssuerConfig noTrust = new AcmeIssuerConfig(
                "no-trust",
                pebble.directory(),
                Optional.empty(),
                dir.resolve("state/no-trust.key"),
                List.of(),
                AcmeChallenge.TLS_ALPN_01,
                "public",
                TestConfigs.SOURCE);
        IssueException e = assertThrows(
                IssueException.class,
                () -> new AcmeIssuer(noTrust, fx.board())
                        .issue(csrFor("api.example.test").request()));
        assertTrue(e.getMessage().startsWith("acme: cannot reach " + pebble.directory() + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("trust-ca"), e.getMessage());
    }

    @Test
    void aStoppedServerIsACleanFailureAndItsReturnASuccess() throws Exception {
        AcmeIssuer issuer = new AcmeIssuer(alpnIssuer, fx.board());
        pebble.close();
        try {
            IssueException e = assertThrows(
                    IssueException.class,
                    () -> issuer.issue(csrFor("api.example.test").request()));
            assertEquals("acme: cannot reach " + pebble.directory() + ": connection refused", e.getMessage());
        } finally {
            pebble.restart();
        }
        // a new Pebble knows no account: the same account key registers again
        CsrBuilder.Pending csr = csrFor("api.example.test");
        assertIssuedFor(issuer.issue(csr.request()), csr, "api.example.test");
    }

    @Test
    void uriNamesAreRefusedBeforeAnyNetwork() throws Exception {
        var base = csrFor("api.example.test").request();
        var withUri = new io.mtlsproxy.core.renew.CertificateRequest(
                base.usage(),
                base.owner(),
                base.csr(),
                base.commonName(),
                base.dnsNames(),
                List.of("spiffe://example.test/edge"));
        IssueException e =
                assertThrows(IssueException.class, () -> new AcmeIssuer(alpnIssuer, fx.board()).issue(withUri));
        assertTrue(e.getMessage().contains("DNS names only"), e.getMessage());
    }

    @Test
    void normalMtlsTrafficStillFlowsOnTheChallengeListener() throws Exception {
        try (RawHttpClient c = RawHttpClient.connectTls(
                fx.port("public"), TestTls.client(serverCa.certFile(), client), "api.example.test")) {
            assertEquals(200, c.get("api.example.test", "/hello").status());
        }
        try (RawHttpClient c = RawHttpClient.connect(fx.port("web"))) {
            assertEquals(200, c.get("www.example.test", "/hello").status(), "only the challenge path is taken");
        }
    }

    /** A listener-server request for DNS names, signed by a fresh key (the test keeps the key). */
    private static CsrBuilder.Pending csrFor(String... dnsNames) throws IssueException {
        return CsrBuilder.build(
                "listener-server", "public", KeyAlgorithm.EC_P256, CsrBuilder.Names.dns(List.of(dnsNames)));
    }

    private static void assertIssuedFor(List<X509Certificate> chain, CsrBuilder.Pending csr, String... names)
            throws Exception {
        assertTrue(chain.size() >= 2, "leaf and intermediate: " + chain.size());
        X509Certificate leaf = chain.get(0);
        assertArrayEquals(
                csr.keys().getPublic().getEncoded(),
                leaf.getPublicKey().getEncoded(),
                "the leaf certifies the CSR's key");
        List<String> sans = leaf.getSubjectAlternativeNames().stream()
                .map(s -> (String) s.get(1))
                .sorted()
                .toList();
        assertEquals(List.of(names).stream().sorted().toList(), sans);
        leaf.verify(chain.get(1).getPublicKey());
    }
}
