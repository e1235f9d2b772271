package io.mtlsproxy.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.DenyList;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.OcspSettings;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.identity.ClientVerification;
import io.mtlsproxy.core.identity.TlsFailureReason;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.TestPki;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A listener remembers the client chains it verified (the handshake's costliest Java step), and the remembered
 * verdict never admits a client that a fresh verification would refuse: it ends with the certificate's validity,
 * a new CRL or CA comes with a new trust manager, the deny list is asked every time, and another chain with the
 * same leaf is verified afresh.
 */
@Timeout(60)
class VerifiedChainsTest {
    static EventLoopGroup group;

    @TempDir
    static Path dir;

    static TestPki pki;
    static TestPki.Ca serverCa;
    static TestPki.Ca clientCa;
    static TestPki.Leaf server;
    static TestPki.Leaf good;

    @BeforeAll
    static void pki() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        pki = new TestPki(dir);
        serverCa = pki.ca("servers");
        clientCa = pki.ca("clients");
        server = serverCa.server("proxy.example.com");
        good = clientCa.client("orders-client");
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static ListenerConfig listener(Path crl) {
        return TestConfigs.mtls(
                "public", ClientAuth.REQUIRED, clientCa.certFile(), crl, 2, TestConfigs.pem("public", 0, server));
    }

    private static LoopbackServer.Outcome connect(LoopbackServer srv, TestPki.Leaf client) throws Exception {
        SslContext ctx = TestPeers.client(TlsProvider.provider(), serverCa.certFile(), client);
        LoopbackClient.connect(group, srv.port(), LoopbackClient.handler(ctx, null, srv.port()));
        return srv.next();
    }

    private static ClientCertificateTrustManager trust(DenyList deny) throws Exception {
        TrustAnchors anchors =
                TrustAnchors.load(TestConfigs.ref(clientCa.certFile(), "client-ca", 1), Optional.empty());
        return new ClientCertificateTrustManager(
                anchors,
                2,
                false,
                SslProvider.JDK,
                new ClientDenyList(deny),
                new ClientOcspCheck(null, OcspSettings.OFF, anchors));
    }

    private static X509Certificate[] chainOf(TestPki.Leaf leaf) {
        return leaf.issued().chain().toArray(X509Certificate[]::new);
    }

    @Test
    void aRememberedClientIsRefusedAsExpiredOnceItsCertificateExpires() throws Exception {
        try (LoopbackServer srv = new LoopbackServer(
                group, ServerTls.build(listener(null)), ProxyMetrics.inMemory(), "public", false, 5_000)) {
            // a few seconds of validity left: enough for two handshakes on a loaded machine
            Instant notAfter = Instant.now().plusSeconds(6);
            TestPki.Leaf brief = clientCa.leaf(
                    "brief",
                    CertificateSpec.client("brief")
                            .validity(Instant.now().minus(Duration.ofMinutes(1)), notAfter)
                            .build());
            LoopbackServer.Outcome first = connect(srv, brief);
            assertTrue(
                    first.success(),
                    () -> "verified the first time: " + TlsFailures.classify(first.cause()) + " " + first.cause());
            LoopbackServer.Outcome again = connect(srv, brief);
            assertTrue(again.success(), () -> "remembered: " + again.cause());
            Thread.sleep(Math.max(0, Duration.between(Instant.now(), notAfter).toMillis()) + 1_200);
            LoopbackServer.Outcome late = connect(srv, brief);
            assertFalse(late.success(), "the remembered verdict ends with the certificate");
            assertEquals(TlsFailureReason.EXPIRED, TlsFailures.classify(late.cause()));
        }
    }

    @Test
    void aCrlThatRevokesARememberedClientRefusesItFromTheNextBuildOn() throws Exception {
        TestPki.Leaf laptop = clientCa.client("laptop");
        try (LoopbackServer srv = new LoopbackServer(
                group, ServerTls.build(listener(null)), ProxyMetrics.inMemory(), "public", false, 5_000)) {
            assertTrue(connect(srv, laptop).success());
            assertTrue(connect(srv, laptop).success());
            srv.reload(ServerTls.build(listener(clientCa.crl(laptop))));
            LoopbackServer.Outcome refused = connect(srv, laptop);
            assertFalse(refused.success(), "a reload's new CRL is not bypassed by the old verdict");
            assertEquals(TlsFailureReason.REVOKED, TlsFailures.classify(refused.cause()));
            assertTrue(connect(srv, good).success(), "the others still get in");
        }
    }

    @Test
    void theDenyListIsAskedOnEveryHandshakeOfARememberedChain() throws Exception {
        String serial = good.serial().toString(16);
        ClientCertificateTrustManager trust = trust(new DenyList(Set.of(serial), Set.of(), Set.of(), Set.of()));
        for (int i = 0; i < 3; i++) {
            ClientVerification.Outcome outcome = trust.verify(chainOf(good));
            assertFalse(outcome.verified());
            assertEquals(TlsFailureReason.DENIED, outcome.reason());
        }
        assertEquals(1, trust.rememberedChains(), "the chain itself verified, once");
        TestPki.Leaf other = clientCa.client("billing-client");
        assertTrue(trust.verify(chainOf(other)).verified());
        assertTrue(trust.verify(chainOf(other)).verified());
        assertEquals(2, trust.rememberedChains());
    }

    @Test
    void aRefusedChainIsNeverRemembered() throws Exception {
        ClientCertificateTrustManager trust = trust(DenyList.EMPTY);
        TestPki.Leaf rogue = pki.ca("rogue").client("orders-client");
        assertEquals(TlsFailureReason.UNKNOWN_CA, trust.verify(chainOf(rogue)).reason());
        assertEquals(TlsFailureReason.UNKNOWN_CA, trust.verify(chainOf(rogue)).reason());
        assertEquals(0, trust.rememberedChains());
    }

    @Test
    void theKeyCoversEveryPresentedCertificateInOrder() throws Exception {
        TestPki.Leaf deep = TestPeers.viaIntermediate(clientCa, "clients-issuing", "deep-client", dir);
        X509Certificate leaf = deep.issued().certificate();
        X509Certificate intermediate = deep.issued().chain().get(1);
        ByteBuffer alone = VerifiedChains.keyOf(new X509Certificate[] {leaf});
        ByteBuffer withIntermediate = VerifiedChains.keyOf(new X509Certificate[] {leaf, intermediate});
        assertNotEquals(alone, withIntermediate);
        assertNotEquals(withIntermediate, VerifiedChains.keyOf(new X509Certificate[] {intermediate, leaf}));
        // the same certificates read again (new objects, as every handshake gets) give the same key
        List<X509Certificate> reread = Pem.readCertificates(Files.readAllBytes(deep.certFile()));
        assertEquals(withIntermediate, VerifiedChains.keyOf(reread.toArray(X509Certificate[]::new)));
    }

    @Test
    void aVerdictHoldsOnlyWithinTheValidityOfEveryCertificateOfThePath() throws Exception {
        X509Certificate leaf = good.issued().certificate();
        X509Certificate ca = clientCa.authority().certificate();
        VerifiedChains chains = new VerifiedChains(8);
        ByteBuffer key = VerifiedChains.keyOf(new X509Certificate[] {leaf});
        assertFalse(chains.verified(key, Instant.now()), "nothing remembered yet");
        chains.remember(key, List.of(leaf, ca));
        assertTrue(chains.verified(key, Instant.now()));
        Instant end = leaf.getNotAfter().before(ca.getNotAfter())
                ? leaf.getNotAfter().toInstant()
                : ca.getNotAfter().toInstant();
        assertTrue(chains.verified(key, end));
        assertFalse(chains.verified(key, end.plusMillis(1)));
        assertFalse(chains.verified(key, Instant.now()), "dropped once out of its window");
        chains.remember(key, List.of(leaf, ca));
        assertFalse(chains.verified(key, leaf.getNotBefore().toInstant().minusMillis(1)));
    }

    @Test
    void theCacheIsBounded() throws Exception {
        VerifiedChains chains = new VerifiedChains(2);
        X509Certificate ca = clientCa.authority().certificate();
        for (String cn : List.of("a", "b", "c")) {
            X509Certificate leaf = clientCa.client("bounded-" + cn).issued().certificate();
            chains.remember(VerifiedChains.keyOf(new X509Certificate[] {leaf}), List.of(leaf, ca));
        }
        assertEquals(2, chains.size());
    }
}
