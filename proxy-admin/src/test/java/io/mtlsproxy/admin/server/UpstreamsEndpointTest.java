package io.mtlsproxy.admin.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mtlsproxy.admin.testing.AdminClient;
import io.mtlsproxy.config.AdminConfig;
import io.mtlsproxy.config.ConfigLoader;
import io.mtlsproxy.core.ProxyServer;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestOrigin;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /upstreams} and the endpoint health gauge with a configuration read from HOCON: an origin that passes
 * its health check is {@code healthy}, a closed port {@code unhealthy} with the reason of its last check, and an
 * endpoint of a route without checks {@code ejected} after a failed request. Such an endpoint has a gauge only
 * from its first ejection on.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UpstreamsEndpointTest {
    @TempDir
    Path dir;

    TestOrigin origin;
    ProxyServer proxy;
    AdminServer admin;
    AdminClient client;
    int closed;

    @BeforeEach
    void start() throws Exception {
        origin = TestOrigin.plain("origin");
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Path conf = dir.resolve("proxy.conf");
        Files.writeString(conf, """
                access-log = off
                listeners = [{ name = edge, bind = "127.0.0.1", port = 0 }]
                routes = [{
                  name = checked, listener = edge, match.path-prefix = "/checked"
                  upstream {
                    endpoints = ["127.0.0.1:%d", "127.0.0.1:%d"]
                    load-balancing = least-request
                    health-check { path = "/healthz", interval = 300ms, timeout = 300ms, healthy-threshold = 1, unhealthy-threshold = 1 }
                  }
                }, {
                  name = passive, listener = edge, match.path-prefix = "/passive"
                  upstream {
                    endpoints = ["127.0.0.1:%d"]
                    passive-ejection { failures = 1, window = 10s, ejection = 1m }
                  }
                }]
                """.formatted(origin.port(), closed, closed));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        proxy = ProxyServer.builder().metrics(new ProxyMetrics(registry)).build();
        proxy.start(ConfigLoader.load(conf));
        admin = AdminServer.builder(proxy.view(), registry)
                .config(new AdminConfig("127.0.0.1", 0))
                .start();
        client = new AdminClient(admin.port());
    }

    @AfterEach
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {admin, proxy, origin}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Endpoint entries of {@code route} by address. */
    private Map<String, JsonNode> endpoints(String route) {
        JsonNode body = AdminClient.json(client.get("/upstreams"));
        assertNotNull(body.get("generated_at"));
        Map<String, JsonNode> out = new HashMap<>();
        for (JsonNode r : body.get("routes")) {
            if (r.get("route").asText().equals(route)) {
                r.get("endpoints").forEach(e -> out.put(e.get("address").asText(), e));
            }
        }
        return out;
    }

    @Test
    void healthyUnhealthyAndEjectedEndpointsWithTheirLastCheck() throws Exception {
        String up = "127.0.0.1:" + origin.port();
        String down = "127.0.0.1:" + closed;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Map<String, JsonNode> checked = endpoints("checked");
        // the first check of a cold process may time out: wait for the steady state
        while ((!checked.get(down).get("state").asText().equals("unhealthy")
                        || !checked.get(up).get("state").asText().equals("healthy")
                        || checked.get(up).get("last_check").isNull())
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
            checked = endpoints("checked");
        }
        JsonNode healthy = checked.get(up);
        assertEquals("healthy", healthy.get("state").asText());
        assertEquals("127.0.0.1:" + origin.port(), healthy.get("endpoint").asText());
        assertEquals("pass: 200", healthy.get("last_check").get("result").asText());
        JsonNode unhealthy = checked.get(down);
        assertEquals("unhealthy", unhealthy.get("state").asText());
        assertTrue(
                unhealthy.get("last_check").get("result").asText().startsWith("fail: origin refused the connection"),
                unhealthy.toString());
        assertTrue(unhealthy.get("since").asText().endsWith("Z"), unhealthy.toString());
        assertEquals(
                List.of("endpoint", "address", "state", "since", "last_check", "active_connections", "active_requests"),
                iterable(healthy));

        Thread.sleep(1_100); // the gauges follow the endpoints once a second
        String before = client.get("/metrics").body();
        assertTrue(before.contains("mtls_proxy_upstream_healthy{address=\"" + up), before);
        assertFalse(
                before.contains("mtls_proxy_upstream_healthy{address=\"" + down + "\",endpoint=\"" + down
                        + "\",route=\"passive\"}"),
                "no gauge for an endpoint without checks that was never ejected: " + before);

        try (RawHttpClient c = RawHttpClient.connect(proxy.port("edge"))) {
            assertEquals(502, c.get("localhost", "/passive").status());
            for (int i = 0; i < 5; i++) {
                assertEquals(200, c.get("localhost", "/checked").status(), "only the healthy origin is used");
            }
        }
        JsonNode ejected = endpoints("passive").get(down);
        assertEquals("ejected", ejected.get("state").asText());
        assertTrue(ejected.get("last_check").isNull(), "no health check on this route");

        Thread.sleep(1_100); // the gauges follow the endpoints once a second
        String metrics = client.get("/metrics").body();
        assertTrue(
                metrics.contains("mtls_proxy_upstream_healthy{address=\"" + down + "\",endpoint=\"" + down
                        + "\",route=\"checked\"} 0"),
                metrics);
        assertTrue(
                metrics.contains("mtls_proxy_upstream_healthy{address=\"" + up + "\",endpoint=\"" + up
                        + "\",route=\"checked\"} 1"),
                metrics);
        assertTrue(metrics.contains("mtls_proxy_upstream_health_checks_total{result=\"fail\",route=\"checked\"}"));
        assertTrue(
                metrics.contains("mtls_proxy_upstream_healthy{address=\"" + down + "\",endpoint=\"" + down
                        + "\",route=\"passive\"} 0"),
                "an ejected endpoint has its gauge from its first ejection on: " + metrics);
    }

    private static List<String> iterable(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
