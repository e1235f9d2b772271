package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.DenyList;
import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.config.OcspSettings;
import io.mtlsproxy.config.ProxyConfig;
import io.mtlsproxy.config.TlsMode;
import io.mtlsproxy.core.identity.PeerIdentity;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.metrics.TlsFailure;
import io.mtlsproxy.core.reload.ReloadResult;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestPki;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tls.deny} through a running proxy: a client named by serial, SHA-256, subject or URI SAN is refused in the
 * handshake with reason {@code denied} while its CA still vouches for it and the others get in; a reload that
 * removes the entry lets it back.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DenyListProxyTest {
    @TempDir
    java.nio.file.Path dir;

    ProxyFixture fx;
    ProxyMetrics metrics;
    ProxyServer proxy;

    @BeforeEach
    void setUp() {
        fx = new ProxyFixture(dir);
        metrics = ProxyMetrics.inMemory();
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    private ProxyConfig config(DenyList deny) {
        return config(deny, true);
    }

    private ProxyConfig config(DenyList deny, boolean closeRevoked) {
        ListenerTls tls = new ListenerTls(
                TlsMode.MTLS,
                ClientAuth.REQUIRED,
                List.of(TestConfigs.pem(fx.proxyServer, "tls.certificates.0")),
                Optional.of(TestConfigs.file(fx.clientCa.certFile(), "tls.client-ca")),
                Optional.empty(),
                2,
                ListenerTls.DEFAULT_PROTOCOLS,
                true,
                deny,
                closeRevoked,
                Optional.empty(),
                List.of(),
                OcspSettings.OFF);
        return fx.config(
                List.of(TestConfigs.listener("edge", tls)),
                List.of(TestConfigs.route("any", "edge")
                        .endpoint(fx.plainOrigin.port())
                        .build()));
    }

    private int status(TestPki.Leaf client) {
        return fx.status(proxy, "edge", client);
    }

    private double denied() {
        Counter c = metrics.registry()
                .find("mtls_proxy_tls_handshakes")
                .tag("name", "edge")
                .tag("result", "failure")
                .tag("reason", "denied")
                .counter();
        return c == null ? 0 : c.count();
    }

    private static DenyList serials(String... serials) {
        return new DenyList(Set.of(serials), Set.of(), Set.of(), Set.of());
    }

    @Test
    void aDeniedSerialIsRefusedInTheHandshakeAndLetBackByAReload() throws Exception {
        TestPki.Leaf bad = fx.clientCa.client("compromised");
        proxy = ProxyServer.builder().metrics(metrics).build();
        fx.closeLater(proxy);
        proxy.start(config(serials(bad.serial().toString(16))));

        assertEquals(-1, status(bad));
        assertEquals(200, status(fx.client), "the others get in");
        assertEquals(1.0, denied());
        List<TlsFailure> failures = metrics.failures().snapshot();
        TlsFailure failure = failures.get(failures.size() - 1);
        assertEquals("denied", failure.reason().label());
        assertTrue(failure.detail().contains("serial " + bad.serial().toString(16)), failure::detail);
        assertEquals("CN=compromised", failure.peerSubject());

        ReloadResult result = proxy.reload(config(DenyList.EMPTY));
        assertTrue(result.ok(), result::toString);
        assertEquals(List.of("listeners.edge"), result.changed());
        assertEquals(200, status(bad), "the entry removed, the client is back");

        result = proxy.reload(config(serials(bad.serial().toString(16))));
        assertTrue(result.ok(), result::toString);
        assertEquals(-1, status(bad), "and denied again by the next reload");
        assertEquals(2.0, denied());
    }

    @Test
    void fingerprintSubjectAndUriSanEntriesDenyToo() throws Exception {
        TestPki.Leaf byFingerprint = fx.clientCa.client("by-fingerprint");
        TestPki.Leaf bySubject = fx.clientCa.client("by-subject");
        TestPki.Leaf byUri = fx.clientCa.client("by-uri", "spiffe://example.org/ns/prod/sa/leaked");
        TestPki.Leaf other = fx.clientCa.client("other", "spiffe://example.org/ns/prod/sa/fine");
        proxy = ProxyServer.builder().metrics(metrics).build();
        fx.closeLater(proxy);
        proxy.start(config(new DenyList(
                Set.of(),
                Set.of(PeerIdentity.sha256Hex(byFingerprint.issued().certificate())),
                Set.of("cn=by-subject"), // X.500 comparison: attribute case does not matter
                Set.of("spiffe://example.org/ns/prod/sa/leaked"))));

        assertEquals(-1, status(byFingerprint));
        assertEquals(-1, status(bySubject));
        assertEquals(-1, status(byUri));
        assertEquals(200, status(other));
        assertEquals(3.0, denied());
    }

    private double closedConnections(String reason) {
        return ProxyFixture.closedConnections(metrics, "edge", reason);
    }

    @Test
    void aReloadThatDeniesAConnectedClientClosesItsKeepAliveConnectionWithinASecond() throws Exception {
        TestPki.Leaf bad = fx.clientCa.client("compromised");
        proxy = ProxyServer.builder().metrics(metrics).build();
        fx.closeLater(proxy);
        proxy.start(config(DenyList.EMPTY));
        try (RawHttpClient denied = fx.connect(proxy, "edge", bad);
                RawHttpClient other = fx.connect(proxy, "edge", fx.client)) {
            assertEquals(200, denied.get("localhost", "/x").status());
            assertEquals(200, other.get("localhost", "/x").status());

            long start = System.nanoTime();
            ReloadResult result = proxy.reload(config(serials(bad.serial().toString(16))));
            assertTrue(result.ok(), result::toString);
            denied.timeout(1_000);
            assertTrue(denied.awaitClosed(), "the denied client's keep-alive connection is closed");
            assertTrue(System.nanoTime() - start < 1_500_000_000L, "within a second of the reload");
            assertEquals(200, other.get("localhost", "/x").status(), "the other client keeps its connection");
            assertEquals(1.0, closedConnections("denied"));
        }
        assertEquals("denied", refusal(bad), "/clients says why it is gone");
        assertEquals(null, refusal(fx.client));
        assertEquals(-1, status(bad));
        assertEquals("denied", refusal(bad));

        assertTrue(proxy.reload(config(DenyList.EMPTY)).ok());
        assertEquals(200, status(bad));
        assertEquals(null, refusal(bad), "let back in, it is an ordinary client again");
    }

    private String refusal(TestPki.Leaf client) {
        String sha = PeerIdentity.sha256Hex(client.issued().certificate());
        return metrics.clients().snapshot().stream()
                .filter(c -> c.sha256().equals(sha))
                .findFirst()
                .orElseThrow()
                .refusal();
    }

    @Test
    void closeRevokedOffLeavesOpenConnectionsAlone() throws Exception {
        TestPki.Leaf bad = fx.clientCa.client("compromised");
        proxy = ProxyServer.builder().metrics(metrics).build();
        fx.closeLater(proxy);
        proxy.start(config(DenyList.EMPTY, false));
        try (RawHttpClient denied = fx.connect(proxy, "edge", bad)) {
            assertEquals(200, denied.get("localhost", "/x").status());
            assertTrue(proxy.reload(config(serials(bad.serial().toString(16)), false))
                    .ok());
            assertEquals(200, denied.get("localhost", "/x").status(), "the open connection stays");
            assertEquals(0.0, closedConnections("denied"));
        }
        assertEquals(-1, status(bad), "a new handshake is refused");
    }
}
