package io.mtlsproxy.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.core.identity.TlsFailureReason;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.metrics.TlsFailure;
import io.mtlsproxy.core.testing.TestPki;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** A listener with two certificates chosen by SNI, TLS 1.2+ only, and a handshake timeout. */
@Timeout(60)
class ListenerHandshakeTest {
    static EventLoopGroup group;

    @TempDir
    static Path dir;

    static TestPki.Ca serverCa;
    static TestPki.Leaf primary;
    static TestPki.Leaf secondary;
    static ListenerConfig twoCertificates;

    @BeforeAll
    static void pki() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        TestPki pki = new TestPki(dir);
        serverCa = pki.ca("servers");
        primary = serverCa.server("proxy.example.com", "proxy.example.com");
        secondary = serverCa.server("api.example.org", "api.example.org", "*.apps.example.org");
        twoCertificates = TestConfigs.tls(
                "public", TestConfigs.pem("public", 0, primary), TestConfigs.pem("public", 1, secondary));
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    @ParameterizedTest(name = "SNI {0} gets {1}")
    @CsvSource({
        "api.example.org, CN=api.example.org",
        "shop.apps.example.org, CN=api.example.org",
        "proxy.example.com, CN=proxy.example.com",
        "deep.shop.apps.example.org, CN=proxy.example.com",
        "unknown.example.net, CN=proxy.example.com",
    })
    void sniChoosesTheCertificateWhoseSansCoverTheName(String sni, String expectedSubject) throws Exception {
        try (LoopbackServer srv = new LoopbackServer(
                group, ServerTls.build(twoCertificates), ProxyMetrics.inMemory(), "public", true, 5_000)) {
            SslContext ctx = TestPeers.client(TlsProvider.provider(), serverCa.certFile(), (TestPki.Leaf) null);
            LoopbackClient.Result r =
                    LoopbackClient.connect(group, srv.port(), LoopbackClient.handler(ctx, sni, srv.port()));
            assertTrue(r.handshakeOk(), () -> "handshake: " + r.handshakeFailure());
            assertEquals(
                    expectedSubject,
                    r.serverCertificate().getSubjectX500Principal().getName());
            LoopbackServer.Outcome outcome = srv.next();
            assertEquals(
                    expectedSubject, outcome.served().getSubjectX500Principal().getName());
            assertEquals(sni, outcome.observedSni(), "the observer leaves the SNI on the channel");
        }
    }

    @Test
    void aFailedHandshakeIsLoggedWithItsSni() throws Exception {
        ListenerConfig mtls = TestConfigs.mtls(
                "public",
                ClientAuth.REQUIRED,
                serverCa.certFile(),
                null,
                2,
                TestConfigs.pem("public", 0, primary),
                TestConfigs.pem("public", 1, secondary));
        ProxyMetrics metrics = ProxyMetrics.inMemory();
        try (LoopbackServer srv = new LoopbackServer(group, ServerTls.build(mtls), metrics, "public", true, 5_000)) {
            SslContext ctx = TestPeers.client(TlsProvider.provider(), serverCa.certFile(), (TestPki.Leaf) null);
            LoopbackClient.connect(group, srv.port(), LoopbackClient.handler(ctx, "api.example.org", srv.port()));
            assertFalse(srv.next().success());
            TlsFailure logged = metrics.failures().snapshot().get(0);
            assertEquals("api.example.org", logged.sni());
            assertEquals(TlsFailureReason.NO_CLIENT_CERT, logged.reason());
        }
    }

    @Test
    void noSniGetsTheFirstCertificate() throws Exception {
        try (LoopbackServer srv = new LoopbackServer(
                group, ServerTls.build(twoCertificates), ProxyMetrics.inMemory(), "public", true, 5_000)) {
            SslContext ctx = TestPeers.client(TlsProvider.provider(), serverCa.certFile(), (TestPki.Leaf) null);
            LoopbackClient.Result r =
                    LoopbackClient.connect(group, srv.port(), LoopbackClient.handler(ctx, null, srv.port()));
            assertEquals(
                    "CN=proxy.example.com",
                    r.serverCertificate().getSubjectX500Principal().getName());
            srv.next();
        }
    }

    @ParameterizedTest
    @MethodSource("io.mtlsproxy.core.tls.TestPeers#providers")
    void aTls11ClientIsRefusedAsProtocolVersion(SslProvider provider) throws Exception {
        ListenerConfig mtls = TestConfigs.mtls(
                "public", ClientAuth.REQUIRED, serverCa.certFile(), null, 2, TestConfigs.pem("public", 0, primary));
        ProxyMetrics metrics = ProxyMetrics.inMemory();
        try (LoopbackServer srv = new LoopbackServer(
                group, ServerTls.build(mtls, List.of("http/1.1"), provider), metrics, "public", false, 5_000)) {
            SslContext old =
                    TestPeers.client(TestPeers.lenientProvider(), serverCa.certFile(), (TestPki.Leaf) null, "TLSv1.1");
            LoopbackClient.Result r =
                    LoopbackClient.connect(group, srv.port(), LoopbackClient.handler(old, null, srv.port()));
            assertFalse(r.handshakeOk());
            LoopbackServer.Outcome outcome = srv.next();
            assertFalse(outcome.success());
            assertEquals(
                    TlsFailureReason.PROTOCOL_VERSION,
                    TlsFailures.classify(outcome.cause()),
                    () -> "classified " + outcome.cause());
            assertEquals(
                    TlsFailureReason.PROTOCOL_VERSION,
                    metrics.failures().snapshot().get(0).reason());
        }
    }

    @ParameterizedTest(name = "behind SniHandler: {0}")
    @CsvSource({"false", "true"})
    void aClientThatNeverSaysHelloTimesOut(boolean sni) throws Exception {
        ProxyMetrics metrics = ProxyMetrics.inMemory();
        try (LoopbackServer srv =
                        new LoopbackServer(group, ServerTls.build(twoCertificates), metrics, "public", sni, 200);
                Socket silent = new Socket()) {
            silent.connect(new InetSocketAddress("127.0.0.1", srv.port()));
            LoopbackServer.Outcome outcome = srv.next();
            assertFalse(outcome.success());
            assertEquals(TlsFailureReason.TIMEOUT, TlsFailures.classify(outcome.cause()));
            TlsFailure logged = metrics.failures().snapshot().get(0);
            assertEquals(TlsFailureReason.TIMEOUT, logged.reason());
            assertEquals(1.0, RequiredClientAuthTest.failures(metrics, TlsFailureReason.TIMEOUT));
        }
    }

    @ParameterizedTest(name = "server advertises {0}: {1}")
    @CsvSource({"default, http/1.1", "h2, h2"})
    void alpnAdvertisesHttp11UnlessAskedForH2(String advertised, String negotiated) throws Exception {
        ServerTls tls = advertised.equals("default")
                ? ServerTls.build(twoCertificates)
                : ServerTls.build(twoCertificates, List.of("h2", "http/1.1"));
        try (LoopbackServer srv = new LoopbackServer(group, tls, ProxyMetrics.inMemory(), "public", false, 5_000)) {
            SslContext ctx = io.netty.handler.ssl.SslContextBuilder.forClient()
                    .sslProvider(TlsProvider.provider())
                    .trustManager(serverCa.certFile().toFile())
                    .endpointIdentificationAlgorithm(null)
                    .applicationProtocolConfig(TlsSettings.alpn(List.of("h2", "http/1.1")))
                    .build();
            String[] chosen = new String[1];
            LoopbackClient.connect(group, srv.port(), ch -> {
                var h = ctx.newHandler(ch.alloc(), "127.0.0.1", srv.port());
                h.handshakeFuture().addListener(f -> chosen[0] = h.applicationProtocol());
                return h;
            });
            srv.next();
            assertEquals(negotiated, chosen[0]);
        }
    }

    @Test
    void onlyStrongCipherSuitesAreOffered() throws Exception {
        for (String suite : ServerTls.build(twoCertificates).defaultContext().cipherSuites()) {
            assertTrue(
                    suite.startsWith("TLS_AES_")
                            || suite.startsWith("TLS_CHACHA20_")
                            || (suite.startsWith("TLS_ECDHE_")
                                    && (suite.contains("_GCM_") || suite.contains("CHACHA20"))),
                    suite);
        }
    }

    @Test
    void everyListenerContextKeepsASmallHandshakeSpillPerConnection() throws Exception {
        // every handshake in this suite writes a first flight larger than the spill, so they all cross it
        for (SslContext context : ServerTls.build(twoCertificates).contexts()) {
            assertEquals(
                    TlsSettings.HANDSHAKE_SPILL_BYTES,
                    ((ReferenceCountedOpenSslContext) context).getBioNonApplicationBufferSize());
        }
    }
}
