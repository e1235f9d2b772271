package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.Limits;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.Echo;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestPki;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A required-mTLS listener fails the handshake itself for a bad client certificate; connection limits. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class InboundTest {
    @TempDir
    static Path dir;

    static ProxyFixture fx;
    static ProxyServer proxy;
    static ProxyMetrics metrics = ProxyMetrics.inMemory();
    static TestPki.Leaf revoked;

    @BeforeAll
    static void start() throws Exception {
        fx = new ProxyFixture(dir);
        Limits limits = new Limits(
                20_000, 16 * 1024, 1024 * 1024, Duration.ofMillis(500), Duration.ofSeconds(5), Duration.ofSeconds(30));
        Limits two = new Limits(
                2, 16 * 1024, 1024 * 1024, Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(30));
        revoked = fx.clientCa.client("revoked");
        Path crl = fx.clientCa.crl(revoked);
        proxy = fx.start(
                ProxyServer.builder().metrics(metrics),
                List.of(
                        TestConfigs.listener(
                                "mtls",
                                TestConfigs.mtls(
                                        fx.proxyServer, fx.clientCa.certFile(), ClientAuth.REQUIRED, true, crl),
                                limits),
                        TestConfigs.listener("small", ListenerTls.plain(), two),
                        new ListenerConfig(
                                "pp", "127.0.0.1", 0, true, ListenerTls.plain(), Limits.DEFAULT, TestConfigs.SOURCE)),
                List.of(
                        TestConfigs.route("p", "pp")
                                .endpoint(fx.plainOrigin.port())
                                .build(),
                        TestConfigs.route("r", "mtls")
                                .endpoint(fx.plainOrigin.port())
                                .build(),
                        TestConfigs.route("s", "small")
                                .endpoint(fx.plainOrigin.port())
                                .build()));
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    private static double failures() {
        var c = metrics.registry()
                .find("mtls_proxy_tls_handshakes")
                .tag("side", "inbound")
                .tag("name", "mtls")
                .tag("result", "failure")
                .counters();
        return c.stream().mapToDouble(x -> x.count()).sum();
    }

    /** TLS 1.3: the client may finish its half before the proxy rejects the certificate; the first read fails. */
    private static void assertRejected(TestPki.Leaf cert) throws Exception {
        double before = failures();
        assertThrows(IOException.class, () -> {
            try (RawHttpClient c = fx.connect(proxy, "mtls", cert)) {
                c.get("localhost", "/");
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (failures() == before && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(before + 1, failures(), "the proxy counted the failed handshake");
    }

    @Test
    void validClientCertificateIsAdmitted() throws Exception {
        try (RawHttpClient c = fx.connect(proxy, "mtls", fx.client)) {
            assertEquals(200, c.get("localhost", "/").status());
        }
    }

    @Test
    void noClientCertificateFailsTheHandshake() throws Exception {
        assertRejected(null);
    }

    @Test
    void certificateFromAnotherCaFailsTheHandshake() throws Exception {
        assertRejected(fx.proxyIdCa.client("stranger"));
    }

    @Test
    void expiredCertificateFailsTheHandshake() throws Exception {
        assertRejected(
                fx.clientCa.leaf("expired", TestPki.expiredClient("expired").build()));
    }

    @Test
    void notYetValidCertificateFailsTheHandshake() throws Exception {
        assertRejected(
                fx.clientCa.leaf("future", TestPki.notYetValidClient("future").build()));
    }

    @Test
    void revokedCertificateFailsTheHandshake() throws Exception {
        assertRejected(revoked);
    }

    @Test
    void proxyProtocolHeaderGivesTheClientAddress() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(proxy.port("pp"))) {
            c.send("PROXY TCP4 203.0.113.7 10.0.0.1 51234 443\r\n");
            RawHttpClient.Response r = c.get("localhost", "/");
            assertEquals(200, r.status());
            assertEquals("203.0.113.7", Echo.parse(r.text()).header("X-Forwarded-For"));
            assertEquals(
                    "203.0.113.7",
                    Echo.parse(c.get("localhost", "/again").text()).header("X-Forwarded-For"));
        }
    }

    @Test
    void connectionWithoutAProxyProtocolHeaderIsClosed() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(proxy.port("pp"))) {
            c.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertTrue(c.awaitClosed());
        }
    }

    @Test
    void silentConnectionIsClosedAfterTheHandshakeTimeout() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", proxy.port("mtls")));
            s.setSoTimeout(5000);
            long start = System.nanoTime();
            assertEquals(-1, s.getInputStream().read());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3));
        }
    }

    @Test
    void connectionsPastTheLimitAreClosedAtOnce() throws Exception {
        int port = proxy.port("small");
        try (RawHttpClient a = RawHttpClient.connect(port);
                RawHttpClient b = RawHttpClient.connect(port)) {
            assertEquals(200, a.get("localhost", "/").status());
            assertEquals(200, b.get("localhost", "/").status());
            try (RawHttpClient c = RawHttpClient.connect(port)) {
                assertTrue(c.awaitClosed());
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (metrics.activeConnections("small").get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        try (RawHttpClient d = RawHttpClient.connect(port)) {
            assertEquals(200, d.get("localhost", "/").status(), "slots are given back on close");
        }
    }
}
