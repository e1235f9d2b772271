package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestConfigs;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Origins that cannot be reached, cannot be trusted or do not answer: 502 and 504 with a reason, and counted. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UpstreamFailureTest {
    @TempDir
    static Path dir;

    static ProxyFixture fx;
    static ProxyServer proxy;
    static ProxyMetrics metrics = ProxyMetrics.inMemory();
    /** A listening socket whose accept queue is full: further SYNs are dropped, so connecting hangs. */
    static ServerSocket blackHole;

    static final List<Socket> FILLERS = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        fx = new ProxyFixture(dir);
        int downPort;
        try (ServerSocket s = new ServerSocket(0)) {
            downPort = s.getLocalPort();
        }
        blackHole = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        for (int i = 0; i < 8; i++) {
            Socket s = new Socket();
            try {
                s.connect(blackHole.getLocalSocketAddress(), 200);
                FILLERS.add(s);
            } catch (IOException full) {
                s.close();
                break;
            }
        }
        proxy = fx.start(
                ProxyServer.builder().metrics(metrics),
                List.of(TestConfigs.listener("plain", ListenerTls.plain())),
                List.of(
                        TestConfigs.route("untrusted", "plain")
                                .prefix("/untrusted")
                                .endpoint(fx.tlsOrigin.port())
                                .tls(fx.proxyIdCa.certFile())
                                .serverName("localhost")
                                .build(),
                        TestConfigs.route("mismatch", "plain")
                                .prefix("/mismatch")
                                .endpoint(fx.tlsOrigin.port())
                                .tls(fx.originCa.certFile())
                                .serverName("wrong.example.com")
                                .build(),
                        TestConfigs.route("no-client-cert", "plain")
                                .prefix("/no-client-cert")
                                .endpoint(fx.mtlsOrigin.port())
                                .tls(fx.originCa.certFile())
                                .serverName("localhost")
                                .build(),
                        TestConfigs.route("spiffe", "plain")
                                .prefix("/spiffe")
                                .endpoint(fx.tlsOrigin.port())
                                .tls(fx.originCa.certFile())
                                .serverName("localhost")
                                .expectedUriSans("spiffe://example.org/ns/prod/sa/orders")
                                .build(),
                        TestConfigs.route("black-hole", "plain")
                                .prefix("/black-hole")
                                .endpoint(blackHole.getLocalPort())
                                .connectTimeout(Duration.ofMillis(300))
                                .build(),
                        TestConfigs.route("down", "plain")
                                .prefix("/down")
                                .endpoint(downPort)
                                .build(),
                        TestConfigs.route("hangup", "plain")
                                .prefix("/hangup")
                                .endpoint(fx.plainOrigin.port())
                                .build(),
                        TestConfigs.route("slow", "plain")
                                .prefix("/slow")
                                .endpoint(fx.plainOrigin.port())
                                .responseTimeout(Duration.ofMillis(300))
                                .build()));
    }

    @AfterAll
    static void stop() throws Exception {
        fx.close();
        for (Socket s : FILLERS) {
            s.close();
        }
        blackHole.close();
    }

    private static RawHttpClient.Response get(String path) throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(proxy.port("plain"))) {
            return c.get("localhost", path);
        }
    }

    private static double errors(String route, String reason) {
        var c = metrics.registry()
                .find("mtls_proxy_upstream_errors")
                .tag("route", route)
                .tag("reason", reason)
                .counter();
        return c == null ? 0 : c.count();
    }

    private static double handshakeFailures(String route) {
        return metrics
                .registry()
                .find("mtls_proxy_tls_handshakes")
                .tag("side", "upstream")
                .tag("name", route)
                .tag("result", "failure")
                .counters()
                .stream()
                .mapToDouble(c -> c.count())
                .sum();
    }

    @Test
    void originSignedByAnUntrustedCaIs502() throws Exception {
        RawHttpClient.Response r = get("/untrusted/x");
        assertEquals(502, r.status());
        assertTrue(r.text().startsWith("TLS handshake with origin failed"), r.text());
        assertTrue(r.text().contains(": unknown_ca: "), r.text());
        assertEquals(1.0, errors("untrusted", "tls"));
    }

    @Test
    void originWhoseNameDoesNotMatchIs502() throws Exception {
        RawHttpClient.Response r = get("/mismatch/x");
        assertEquals(502, r.status());
        assertTrue(r.text().startsWith("TLS handshake with origin failed"), r.text());
        assertTrue(r.text().contains(": hostname_mismatch: "), r.text());
        assertEquals(1.0, errors("mismatch", "tls"));
    }

    @Test
    void originWithoutTheExpectedSpiffeIdIs502() throws Exception {
        RawHttpClient.Response r = get("/spiffe/x");
        assertEquals(502, r.status());
        assertTrue(r.text().contains(": hostname_mismatch: "), r.text());
        assertEquals(1.0, errors("spiffe", "tls"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2); // counted right after the 502 is sent
        while (handshakeFailures("spiffe") == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(1.0, handshakeFailures("spiffe"));
    }

    @Test
    void originDemandingAClientCertificateTheRouteLacksIs502() throws Exception {
        RawHttpClient.Response r = get("/no-client-cert/x");
        assertEquals(502, r.status());
        assertEquals(1.0, errors("no-client-cert", "tls"), r.text());
    }

    @Test
    void originDownIs502() throws Exception {
        RawHttpClient.Response r = get("/down/x");
        assertEquals(502, r.status());
        assertTrue(r.text().startsWith("origin refused the connection"), r.text());
        assertTrue(errors("down", "connect") >= 1);
    }

    @Test
    void originNotAcceptingWithinTheConnectTimeoutIs502() throws Exception {
        long start = System.nanoTime();
        RawHttpClient.Response r = get("/black-hole/x");
        assertEquals(502, r.status());
        assertTrue(r.text().startsWith("connect to origin timed out"), r.text());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2));
        assertEquals(1.0, errors("black-hole", "connect"));
    }

    @Test
    void originClosingWithoutAnAnswerIs502() throws Exception {
        RawHttpClient.Response r = get("/hangup/close");
        assertEquals(502, r.status());
        assertTrue(r.text().startsWith("origin closed the connection before answering"), r.text());
        assertEquals(1.0, errors("hangup", "reset"));
    }

    @Test
    void originTooSlowIs504() throws Exception {
        long start = System.nanoTime();
        RawHttpClient.Response r = get("/slow/slow?ms=3000");
        assertEquals(504, r.status());
        assertTrue(r.text().startsWith("origin did not answer within response-timeout of 300 ms"), r.text());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2));
        assertEquals(1.0, errors("slow", "timeout"));
        assertEquals(
                1.0,
                metrics.registry()
                        .get("mtls_proxy_requests")
                        .tag("route", "slow")
                        .tag("status", "504")
                        .counter()
                        .count());
    }
}
