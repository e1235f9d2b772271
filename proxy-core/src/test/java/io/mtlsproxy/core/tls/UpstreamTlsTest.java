package io.mtlsproxy.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.Endpoint;
import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.config.UpstreamTls;
import io.mtlsproxy.config.UpstreamTlsMode;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.identity.TlsFailureReason;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.metrics.TlsFailure;
import io.mtlsproxy.core.testing.TestPki;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A route dials its origin: the origin's certificate is verified against the route's own trust-ca (or the JDK's
 * store), the name it dialled and, when pinned, its SPIFFE ID; in mode mtls the route presents its own client
 * certificate. Each failure is classified and counted on the upstream side under the route's name.
 */
@Timeout(60)
class UpstreamTlsTest {
    static final String SPIFFE_ORDERS = "spiffe://example.org/ns/prod/sa/orders";
    static EventLoopGroup group;

    @TempDir
    static Path dir;

    static TestPki pki;
    static TestPki.Ca originCa;
    static TestPki.Ca proxyCa;
    static TestPki.Leaf orders;
    static TestPki.Leaf proxyIdentity;

    @BeforeAll
    static void pki() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        pki = new TestPki(dir);
        originCa = pki.ca("origins");
        proxyCa = pki.ca("proxies");
        orders = originCa.leaf(
                "orders",
                CertificateSpec.server("orders.internal")
                        .dns("orders.internal")
                        .ip("127.0.0.1")
                        .uri(SPIFFE_ORDERS)
                        .build());
        proxyIdentity = proxyCa.client("proxy-to-orders");
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    record Dial(LoopbackClient.Result client, LoopbackServer.Outcome origin, ProxyMetrics metrics) {
        TlsFailureReason reason() {
            assertFalse(client.handshakeOk(), "the route must refuse this origin");
            List<TlsFailure> failures = metrics.failures().snapshot();
            assertEquals(1, failures.size());
            assertEquals(ProxyMetrics.Side.UPSTREAM, failures.get(0).side());
            assertEquals("orders", failures.get(0).name());
            assertEquals(
                    TlsFailures.classify(client.handshakeFailure()),
                    failures.get(0).reason());
            return failures.get(0).reason();
        }
    }

    private Dial dial(SslProvider provider, UpstreamTls tls, TestPki.Leaf originLeaf, Path originRequiresCa)
            throws Exception {
        ClientTls route = ClientTls.build(TestConfigs.route("orders", tls), List.of("http/1.1"), provider);
        ProxyMetrics metrics = ProxyMetrics.inMemory();
        try (LoopbackServer origin = new LoopbackServer(group, TestPeers.origin(originLeaf, originRequiresCa))) {
            Endpoint endpoint = new Endpoint("127.0.0.1", origin.port());
            LoopbackClient.Result r = LoopbackClient.connect(
                    group,
                    origin.port(),
                    ch -> route.newHandler(ch.alloc(), endpoint),
                    new HandshakeObserver(metrics, ProxyMetrics.Side.UPSTREAM, "orders"));
            return new Dial(r, origin.next(), metrics);
        }
    }

    static UpstreamTls tls(String serverName, List<String> uris) {
        return TestConfigs.upstream("orders", UpstreamTlsMode.TLS, originCa.certFile(), serverName, uris, null);
    }

    @ParameterizedTest
    @MethodSource("io.mtlsproxy.core.tls.TestPeers#providers")
    void aTrustedOriginUnderItsServerNameIsAccepted(SslProvider provider) throws Exception {
        Dial d = dial(provider, tls("orders.internal", List.of()), orders, null);
        assertTrue(d.client().handshakeOk(), () -> "handshake: " + d.client().handshakeFailure());
        assertEquals(List.of("orders.internal"), d.origin().sni(), "server-name is sent as SNI");
        assertEquals(
                1.0,
                Meters.count(
                        d.metrics(),
                        "mtls_proxy_tls_handshakes_total",
                        "side",
                        "upstream",
                        "name",
                        "orders",
                        "result",
                        "success"));
    }

    @ParameterizedTest
    @MethodSource("io.mtlsproxy.core.tls.TestPeers#providers")
    void anIpEndpointIsVerifiedAgainstIpSansAndGetsNoSni(SslProvider provider) throws Exception {
        Dial d = dial(provider, tls(null, List.of()), orders, null);
        assertTrue(d.client().handshakeOk(), () -> "handshake: " + d.client().handshakeFailure());
        assertEquals(List.of(), d.origin().sni(), "RFC 6066: no SNI for an IP literal");
    }

    @ParameterizedTest
    @MethodSource("io.mtlsproxy.core.tls.TestPeers#providers")
    void anOriginOfAnotherCaIsAnUnknownCa(SslProvider provider) throws Exception {
        TestPki.Leaf impostor = pki.ca("elsewhere")
                .leaf(
                        "impostor",
                        CertificateSpec.server("orders.internal")
                                .dns("orders.internal")
                                .build());
        assertEquals(
                TlsFailureReason.UNKNOWN_CA,
                dial(provider, tls("orders.internal", List.of()), impostor, null)
                        .reason());
    }

    @ParameterizedTest
    @MethodSource("io.mtlsproxy.core.tls.TestPeers#providers")
    void anOriginCertificateForAnotherNameIsAHostnameMismatch(SslProvider provider) throws Exception {
        Dial d = dial(provider, tls("billing.internal", List.of()), orders, null);
        assertEquals(TlsFailureReason.HOSTNAME_MISMATCH, d.reason());
        assertTrue(d.metrics().failures().snapshot().get(0).detail().contains("billing.internal"));
        assertEquals(
                "billing.internal", d.metrics().failures().snapshot().get(0).sni());
    }

    @Test
    void verifyHostnameFalseAcceptsAnyNameOfATrustedCa() throws Exception {
        UpstreamTls t = tls("billing.internal", List.of());
        UpstreamTls lax =
                new UpstreamTls(t.mode(), t.trustCa(), t.serverName(), false, t.expectedUriSans(), t.clientIdentity());
        assertTrue(dial(TlsProvider.provider(), lax, orders, null).client().handshakeOk());
    }

    @ParameterizedTest
    @MethodSource("io.mtlsproxy.core.tls.TestPeers#providers")
    void theRightSpiffeIdIsAccepted(SslProvider provider) throws Exception {
        assertTrue(dial(
                        provider,
                        tls("orders.internal", List.of("spiffe://example.org/ns/prod/sa/other", SPIFFE_ORDERS)),
                        orders,
                        null)
                .client()
                .handshakeOk());
    }

    @ParameterizedTest
    @MethodSource("io.mtlsproxy.core.tls.TestPeers#providers")
    void aWrongSpiffeIdIsRejected(SslProvider provider) throws Exception {
        Dial d = dial(
                provider, tls("orders.internal", List.of("spiffe://example.org/ns/prod/sa/payments")), orders, null);
        assertEquals(TlsFailureReason.HOSTNAME_MISMATCH, d.reason());
        assertTrue(d.metrics().failures().snapshot().get(0).detail().contains("expected-uri-sans"));
    }

    @ParameterizedTest
    @MethodSource("io.mtlsproxy.core.tls.TestPeers#providers")
    void mtlsPresentsTheRoutesClientCertificate(SslProvider provider) throws Exception {
        UpstreamTls mtls = TestConfigs.upstream(
                "orders", UpstreamTlsMode.MTLS, originCa.certFile(), "orders.internal", List.of(), proxyIdentity);
        Dial d = dial(provider, mtls, orders, proxyCa.certFile());
        assertTrue(d.client().handshakeOk());
        assertTrue(d.origin().success(), () -> "origin refused: " + d.origin().cause());
        assertEquals("CN=proxy-to-orders", d.origin().peerSubject());
    }

    @Test
    void withoutTrustCaTheJdkTrustStoreRejectsAPrivateCa() throws Exception {
        UpstreamTls jdkTrust =
                TestConfigs.upstream("orders", UpstreamTlsMode.TLS, null, "orders.internal", List.of(), null);
        RouteConfig route = TestConfigs.route("orders", jdkTrust);
        assertEquals(List.of(), ClientTls.build(route).certificates(), "the JDK's store is not in the inventory");
        assertEquals(
                TlsFailureReason.UNKNOWN_CA,
                dial(TlsProvider.provider(), jdkTrust, orders, null).reason());
    }

    @Test
    void theInventoryListsTrustAnchorsAndTheClientCertificate() throws Exception {
        UpstreamTls mtls = TestConfigs.upstream(
                "orders", UpstreamTlsMode.MTLS, originCa.certFile(), "orders.internal", List.of(), proxyIdentity);
        List<CertificateUse> uses =
                ClientTls.build(TestConfigs.route("orders", mtls)).certificates();
        assertEquals(
                List.of(CertificateUse.UPSTREAM_TRUST, CertificateUse.UPSTREAM_CLIENT),
                uses.stream().map(CertificateUse::usage).toList());
        assertEquals(originCa.certFile(), uses.get(0).path());
        assertEquals(proxyIdentity.certFile(), uses.get(1).path());
        assertTrue(uses.stream().allMatch(u -> u.owner().equals("orders")));
    }
}
