package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.core.testing.Echo;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestOrigin;
import io.mtlsproxy.core.upstream.EjectionPolicy;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Upstream keep-alive, round robin and passive ejection. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PoolingTest {
    @TempDir
    Path dir;

    ProxyFixture fx;

    @BeforeEach
    void setUp() {
        fx = new ProxyFixture(dir);
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void upstreamConnectionsAreReusedAcrossRequestsAndClients() throws Exception {
        // one event loop: every client connection shares one pool
        ProxyServer proxy = fx.start(
                ProxyServer.builder().workerThreads(1),
                List.of(TestConfigs.listener("plain", ListenerTls.plain())),
                List.of(TestConfigs.route("tls", "plain")
                        .endpoint(fx.tlsOrigin.port())
                        .tls(fx.originCa.certFile())
                        .serverName("localhost")
                        .build()));
        int before = fx.tlsOrigin.connections();
        for (int client = 0; client < 3; client++) {
            try (RawHttpClient c = RawHttpClient.connect(proxy.port("plain"))) {
                for (int i = 0; i < 5; i++) {
                    assertEquals(200, c.get("localhost", "/r" + i).status());
                }
            }
        }
        assertEquals(1, fx.tlsOrigin.connections() - before, "15 requests over one upstream TLS connection");
        assertEquals(15, fx.tlsOrigin.requests());
    }

    @Test
    void endpointsTakeTurns() throws Exception {
        try (TestOrigin a = TestOrigin.plain("a");
                TestOrigin b = TestOrigin.plain("b")) {
            ProxyServer proxy = fx.start(
                    List.of(TestConfigs.listener("plain", ListenerTls.plain())),
                    List.of(TestConfigs.route("rr", "plain")
                            .endpoint(a.port())
                            .endpoint(b.port())
                            .build()));
            Map<String, Integer> seen = new HashMap<>();
            try (RawHttpClient c = RawHttpClient.connect(proxy.port("plain"))) {
                for (int i = 0; i < 6; i++) {
                    seen.merge(Echo.parse(c.get("localhost", "/").text()).origin(), 1, Integer::sum);
                }
            }
            assertEquals(Map.of("a", 3, "b", 3), seen);
        }
    }

    @Test
    void failingEndpointIsEjectedThenTriedAgain() throws Exception {
        int down = closedPort();
        ProxyServer proxy = fx.start(
                ProxyServer.builder().ejection(new EjectionPolicy(2, Duration.ofMillis(700))),
                List.of(TestConfigs.listener("plain", ListenerTls.plain())),
                List.of(TestConfigs.route("rr", "plain")
                        .endpoint(down)
                        .endpoint(fx.plainOrigin.port())
                        .build()));
        int failures = 0;
        try (RawHttpClient c = RawHttpClient.connect(proxy.port("plain"))) {
            for (int i = 0; i < 12; i++) {
                failures += post(c) == 502 ? 1 : 0; // a 502 keeps the connection
            }
        }
        assertEquals(2, failures, "two failures eject the endpoint; then only the healthy one answers");
        Thread.sleep(800); // ejection over: the endpoint is tried again (and fails again)
        int again = 0;
        try (RawHttpClient c = RawHttpClient.connect(proxy.port("plain"))) {
            for (int i = 0; i < 2; i++) {
                again += post(c) == 502 ? 1 : 0;
            }
        }
        assertEquals(1, again);
    }

    /** A POST: a GET that fails to connect would be retried on the healthy endpoint (RetryPolicy). */
    private static int post(RawHttpClient c) throws java.io.IOException {
        return c.send("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n")
                .read()
                .status();
    }

    @Test
    void everyEndpointEjectedIs503() throws Exception {
        ProxyServer proxy = fx.start(
                ProxyServer.builder().ejection(new EjectionPolicy(1, Duration.ofSeconds(30))),
                List.of(TestConfigs.listener("plain", ListenerTls.plain())),
                List.of(TestConfigs.route("dead", "plain")
                        .endpoint(closedPort())
                        .build()));
        try (RawHttpClient c = RawHttpClient.connect(proxy.port("plain"))) {
            assertEquals(502, c.get("localhost", "/").status());
            RawHttpClient.Response r = c.get("localhost", "/");
            assertEquals(503, r.status());
            assertTrue(r.text().contains("every endpoint is ejected"), r.text());
        }
    }
}
