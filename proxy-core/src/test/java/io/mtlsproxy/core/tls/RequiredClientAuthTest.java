package io.mtlsproxy.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.identity.TlsFailureReason;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.metrics.TlsFailure;
import io.mtlsproxy.core.testing.TestPki;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An operator replaces {@code ssl_verify_client on}: with {@code client-auth = required} only clients holding a
 * valid certificate of the client CA get a TLS connection. Every rejection happens in the handshake, on the
 * server, and is counted with its reason. Runs on every available provider.
 */
@Timeout(60)
class RequiredClientAuthTest {
    static EventLoopGroup group;

    @TempDir
    static Path dir;

    static TestPki pki;
    static TestPki.Ca serverCa;
    static TestPki.Ca clientCa;
    static TestPki.Leaf server;
    static TestPki.Leaf good;
    static TestPki.Leaf revoked;
    static Path crl;

    @BeforeAll
    static void pki() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        pki = new TestPki(dir);
        serverCa = pki.ca("servers");
        clientCa = pki.ca("clients");
        server = serverCa.server("proxy.example.com");
        good = clientCa.client("orders-client");
        revoked = clientCa.client("stolen-laptop");
        crl = clientCa.crl(revoked);
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    static ListenerConfig listener(int depth, Path crlFile) {
        return TestConfigs.mtls(
                "public",
                ClientAuth.REQUIRED,
                clientCa.certFile(),
                crlFile,
                depth,
                TestConfigs.pem("public", 0, server));
    }

    private LoopbackServer.Outcome handshake(
            SslProvider provider, ListenerConfig config, TestPki.Leaf client, ProxyMetrics metrics) throws Exception {
        ServerTls tls = ServerTls.build(config, List.of("http/1.1"), provider);
        try (LoopbackServer srv = new LoopbackServer(group, tls, metrics, "public", false, 5_000)) {
            SslContext ctx = TestPeers.client(provider, serverCa.certFile(), client);
            LoopbackClient.connect(group, srv.port(), LoopbackClient.handler(ctx, null, srv.port()));
            return srv.next();
        }
    }

    private TlsFailure assertRejected(
            SslProvider provider, TestPki.Leaf client, ListenerConfig config, TlsFailureReason expected, String subject)
            throws Exception {
        ProxyMetrics metrics = ProxyMetrics.inMemory();
        LoopbackServer.Outcome outcome = handshake(provider, config, client, metrics);
        assertFalse(outcome.success(), "the server must refuse the handshake");
        assertEquals(expected, TlsFailures.classify(outcome.cause()), () -> "classified " + outcome.cause());
        assertEquals(1.0, failures(metrics, expected), "counted once as " + expected.label());
        TlsFailure logged = metrics.failures().snapshot().get(0);
        assertEquals(expected, logged.reason());
        assertEquals("public", logged.name());
        assertEquals(ProxyMetrics.Side.INBOUND, logged.side());
        assertNotNull(logged.remoteAddress());
        assertEquals(subject, logged.peerSubject());
        return logged;
    }

    /** The certificate's window is a day off the clock (see TestPki): so is clock_skew_seconds, give or take the test. */
    private static void assertSkewOfADay(TlsFailure logged) {
        assertNotNull(logged.clockSkewSeconds(), "expired and not_yet_valid carry clock_skew_seconds");
        long skew = logged.clockSkewSeconds();
        assertTrue(skew > 86_400 - 300 && skew <= 86_400 + 5, () -> "clock_skew_seconds " + skew);
    }

    static double failures(ProxyMetrics metrics, TlsFailureReason reason) {
        return Meters.count(
                metrics,
                "mtls_proxy_tls_handshakes_total",
                "side",
                "inbound",
                "name",
                "public",
                "result",
                "failure",
                "reason",
                reason.label());
    }

    @ParameterizedTest
    @MethodSource("io.mtlsproxy.core.tls.TestPeers#providers")
    void aClientOfTheClientCaIsAdmittedAndItsIdentityLandsOnTheChannel(SslProvider provider) throws Exception {
        ProxyMetrics metrics = ProxyMetrics.inMemory();
        LoopbackServer.Outcome outcome = handshake(provider, listener(2, crl), good, metrics);
        assertTrue(outcome.success(), () -> "handshake failed: " + outcome.cause());
        assertTrue(outcome.peer().verified());
        assertEquals(
                good.issued().certificate().getSubjectX500Principal().getName(),
                outcome.peer().subject());
        assertEquals(
                1.0,
                Meters.count(
                        metrics,
                        "mtls_proxy_tls_handshakes_total",
                        "side",
                        "inbound",
                        "name",
                        "public",
                        "result",
                        "success"));
        assertEquals(1.0, Meters.count(metrics, "mtls_proxy_client_cert_remaining_seconds", "listener", "public"));
    }

    @ParameterizedTest
    @MethodSource("io.mtlsproxy.core.tls.TestPeers#providers")
    void noCertificateFailsTheHandshake(SslProvider provider) throws Exception {
        assertRejected(provider, null, listener(2, crl), TlsFailureReason.NO_CLIENT_CERT, null);
    }

    @ParameterizedTest
    @MethodSource("io.mtlsproxy.core.tls.TestPeers#providers")
    void aCertificateOfAnotherCaIsAnUnknownCa(SslProvider provider) throws Exception {
        TestPki.Leaf rogue = pki.ca("rogue").client("orders-client-rogue");
        assertRejected(provider, rogue, listener(2, crl), TlsFailureReason.UNKNOWN_CA, subject(rogue));
    }

    @ParameterizedTest
    @MethodSource("io.mtlsproxy.core.tls.TestPeers#providers")
    void anExpiredCertificateIsExpired(SslProvider provider) throws Exception {
        TestPki.Leaf expired =
                clientCa.leaf("expired", TestPki.expiredClient("expired").build());
        assertSkewOfADay(
                assertRejected(provider, expired, listener(2, crl), TlsFailureReason.EXPIRED, subject(expired)));
    }

    @ParameterizedTest
    @MethodSource("io.mtlsproxy.core.tls.TestPeers#providers")
    void aNotYetValidCertificateIsNotYetValid(SslProvider provider) throws Exception {
        TestPki.Leaf early =
                clientCa.leaf("early", TestPki.notYetValidClient("early").build());
        assertSkewOfADay(
                assertRejected(provider, early, listener(2, crl), TlsFailureReason.NOT_YET_VALID, subject(early)));
    }

    @ParameterizedTest
    @MethodSource("io.mtlsproxy.core.tls.TestPeers#providers")
    void aRevokedCertificateIsRevoked(SslProvider provider) throws Exception {
        assertNull(
                assertRejected(provider, revoked, listener(2, crl), TlsFailureReason.REVOKED, subject(revoked))
                        .clockSkewSeconds(),
                "only a validity window has a skew");
    }

    @ParameterizedTest
    @MethodSource("io.mtlsproxy.core.tls.TestPeers#providers")
    void aChainDeeperThanVerifyDepthIsRefused(SslProvider provider) throws Exception {
        TestPki.Leaf viaIntermediate = TestPeers.viaIntermediate(clientCa, "clients-issuing", "deep-client", dir);
        assertRejected(
                provider,
                viaIntermediate,
                listener(1, null),
                TlsFailureReason.BAD_CERTIFICATE,
                subject(viaIntermediate));
    }

    static String subject(TestPki.Leaf leaf) {
        return leaf.issued().certificate().getSubjectX500Principal().getName();
    }

    @Test
    void withoutTheCrlTheSameCertificateIsAdmitted() throws Exception {
        LoopbackServer.Outcome outcome =
                handshake(TlsProvider.provider(), listener(2, null), revoked, ProxyMetrics.inMemory());
        assertTrue(outcome.success(), "the CRL, not something else, is what refused it");
    }

    @Test
    void aStaleCrlIsStillEnforcedAndStillAdmitsTheOthers(@TempDir Path own) throws Exception {
        TestPki local = new TestPki(own);
        TestPki.Ca ca = local.ca("stale");
        TestPki.Leaf ok = ca.client("still-fine");
        TestPki.Leaf bad = ca.client("revoked-long-ago");
        Path staleCrl =
                ca.crl(Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(23)), bad);
        ListenerConfig config = TestConfigs.mtls(
                "public", ClientAuth.REQUIRED, ca.certFile(), staleCrl, 2, TestConfigs.pem("public", 0, server));
        ProxyMetrics metrics = ProxyMetrics.inMemory();
        LoopbackServer.Outcome refused = handshake(TlsProvider.provider(), config, bad, metrics);
        assertFalse(refused.success());
        assertEquals(TlsFailureReason.REVOKED, TlsFailures.classify(refused.cause()));
        assertTrue(TlsFailures.detail(refused.cause()).contains("stale"), TlsFailures.detail(refused.cause()));
        assertTrue(handshake(TlsProvider.provider(), config, ok, metrics).success());
    }

    @Test
    void oneCrlFilePerSeveralIssuersAndDerCrlsAreEnforced(@TempDir Path own) throws Exception {
        TestPki local = new TestPki(own);
        TestPki.Ca teamA = local.ca("team-a");
        TestPki.Ca teamB = local.ca("team-b");
        TestPki.Leaf a = teamA.client("a-client");
        TestPki.Leaf b = teamB.client("b-client");
        Path bundle = own.resolve("clients.crt");
        java.nio.file.Files.writeString(
                bundle,
                java.nio.file.Files.readString(teamA.certFile()) + java.nio.file.Files.readString(teamB.certFile()));
        Path both = own.resolve("all-crls.pem");
        java.nio.file.Files.writeString(
                both, java.nio.file.Files.readString(teamA.crl()) + java.nio.file.Files.readString(teamB.crl(b)));
        ListenerConfig config =
                TestConfigs.mtls("public", ClientAuth.REQUIRED, bundle, both, 2, TestConfigs.pem("public", 0, server));
        assertTrue(handshake(TlsProvider.provider(), config, a, ProxyMetrics.inMemory())
                .success());
        LoopbackServer.Outcome refused = handshake(TlsProvider.provider(), config, b, ProxyMetrics.inMemory());
        assertEquals(TlsFailureReason.REVOKED, TlsFailures.classify(refused.cause()));

        Path der = own.resolve("team-b.crl.der");
        java.nio.file.Files.write(
                der,
                io.mtlsproxy.core.certs.Pem.readCrls(java.nio.file.Files.readAllBytes(teamB.crl(b)))
                        .get(0)
                        .getEncoded());
        ListenerConfig derConfig =
                TestConfigs.mtls("public", ClientAuth.REQUIRED, bundle, der, 2, TestConfigs.pem("public", 0, server));
        assertEquals(
                TlsFailureReason.REVOKED,
                TlsFailures.classify(handshake(TlsProvider.provider(), derConfig, b, ProxyMetrics.inMemory())
                        .cause()));
    }

    @Test
    void anIntermediateChainPassesWithDepthTwoAndFailsWithDepthOne() throws Exception {
        TestPki.Leaf viaIntermediate = TestPeers.viaIntermediate(clientCa, "clients-issuing-2", "team-client", dir);
        assertTrue(
                handshake(TlsProvider.provider(), listener(2, crl), viaIntermediate, ProxyMetrics.inMemory())
                        .success(),
                "depth 2 = one intermediate allowed");
        assertFalse(
                handshake(TlsProvider.provider(), listener(1, crl), viaIntermediate, ProxyMetrics.inMemory())
                        .success(),
                "depth 1 = the leaf must be signed by a CA of client-ca");
    }

    @Test
    void aRenewedCaWithTheSameNameIsPickedByItsKey(@TempDir Path own) throws Exception {
        // CA rollover: old and new CA share a subject DN and both sit in client-ca during the overlap.
        TestPki oldPki = new TestPki(own.resolve("old"));
        TestPki newPki = new TestPki(own.resolve("new"));
        TestPki.Ca oldCa = oldPki.ca("rollover");
        TestPki.Ca newCa = newPki.ca("rollover");
        Path bundle = own.resolve("bundle.crt");
        java.nio.file.Files.writeString(
                bundle,
                java.nio.file.Files.readString(oldCa.certFile()) + java.nio.file.Files.readString(newCa.certFile()));
        ListenerConfig config =
                TestConfigs.mtls("public", ClientAuth.REQUIRED, bundle, null, 2, TestConfigs.pem("public", 0, server));
        assertTrue(handshake(TlsProvider.provider(), config, oldCa.client("old-client"), ProxyMetrics.inMemory())
                .success());
        assertTrue(handshake(TlsProvider.provider(), config, newCa.client("new-client"), ProxyMetrics.inMemory())
                .success());
    }

    @Test
    void aServerCertificateIsNotAClientCertificate() throws Exception {
        TestPki.Leaf serverCert =
                clientCa.leaf("misused", CertificateSpec.server("misused").build());
        assertRejected(
                TlsProvider.provider(),
                serverCert,
                listener(2, null),
                TlsFailureReason.BAD_CERTIFICATE,
                subject(serverCert));
    }
}
