package io.mtlsproxy.admin.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.admin.server.AdminServer;
import io.mtlsproxy.admin.testing.AdminClient;
import io.mtlsproxy.admin.testing.Certificates;
import io.mtlsproxy.admin.testing.FakeProxyView;
import io.mtlsproxy.admin.testing.PromText;
import io.mtlsproxy.admin.testing.Tools;
import io.mtlsproxy.config.AdminConfig;
import io.mtlsproxy.config.ExpiryConfig;
import io.mtlsproxy.core.identity.TlsFailureReason;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.metrics.TlsFailure;
import io.mtlsproxy.core.metrics.UpstreamErrorReason;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** /metrics with every meter of DESIGN.md in use: the names and types it promises, and promtool's lint. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MetricsExpositionTest {
    @TempDir
    static Path dir;

    static PrometheusRegistry registry;
    static AdminServer server;
    static String body;
    static String contentType;

    @BeforeAll
    static void scrape() {
        registry = PrometheusRegistry.create();
        ProxyMetrics metrics = new ProxyMetrics(registry.registry());
        metrics.requestCompleted("public", "orders", 200, 3_000_000);
        metrics.requestCompleted("public", "orders", 502, 40_000_000);
        metrics.activeConnections("public").incrementAndGet();
        metrics.handshakeSucceeded(ProxyMetrics.Side.INBOUND, "public");
        metrics.handshakeFailed(new TlsFailure(
                Instant.now(),
                ProxyMetrics.Side.UPSTREAM,
                "orders",
                "10.0.0.5:9443",
                "orders.internal",
                TlsFailureReason.UNKNOWN_CA,
                "PKIX path building failed",
                null,
                null));
        metrics.upstreamError("orders", UpstreamErrorReason.CONNECT);
        metrics.configReload(true);
        metrics.identityDenied("orders", true);
        metrics.clientCertificateSeen("public", Duration.ofDays(20).toSeconds());
        Certificates pki = new Certificates(dir, Instant.now());
        FakeProxyView view = new FakeProxyView(metrics)
                .ready(true)
                .certificates(List.of(pki.server("listener-server", "public", "api", Duration.ofDays(60))))
                .crls(List.of(
                        pki.crl("public", "crl", Instant.now(), Instant.now().plus(Duration.ofDays(7)))));
        server = AdminServer.start(new AdminConfig("127.0.0.1", 0), view, registry.registry(), ExpiryConfig.DEFAULT);
        var response = new AdminClient(server.port()).get("/metrics");
        assertEquals(200, response.statusCode());
        body = response.body();
        contentType = response.headers().firstValue("content-type").orElse("");
    }

    @AfterAll
    static void stop() {
        server.close();
        registry.close();
    }

    @Test
    void servedAsPrometheusText() {
        assertEquals("text/plain; version=0.0.4; charset=utf-8", contentType);
    }

    @Test
    void designNamesAndTypes() {
        assertType("mtls_proxy_requests_total", "counter");
        assertType("mtls_proxy_request_duration_seconds", "histogram");
        assertType("mtls_proxy_active_connections", "gauge");
        assertType("mtls_proxy_tls_handshakes_total", "counter");
        assertType("mtls_proxy_upstream_errors_total", "counter");
        assertType("mtls_proxy_certificate_not_after_seconds", "gauge");
        assertType("mtls_proxy_certificate_expires_in_seconds", "gauge");
        assertType("mtls_proxy_config_reloads_total", "counter");
        assertType("mtls_proxy_crl_next_update_seconds", "gauge");
        assertType("mtls_proxy_client_cert_remaining_seconds", "histogram");
        assertType("mtls_proxy_identity_denials_total", "counter");
        assertType("mtls_proxy_clients_dropped_total", "counter"); // mtls_proxy_clients: ClientsEndpointTest
        assertFalse(body.contains("_seconds_seconds"), "a doubled unit suffix");
        assertFalse(body.contains("_total_total"), "a doubled counter suffix");
    }

    @Test
    void labelsAsDesigned() {
        var requests = PromText.samples(body, "mtls_proxy_requests_total");
        assertTrue(
                requests.stream()
                        .anyMatch(s -> s.labels()
                                        .equals(java.util.Map.of(
                                                "listener", "public", "route", "orders", "status", "200"))
                                && s.value() == 1.0),
                requests.toString());
        var failure = PromText.samples(body, "mtls_proxy_tls_handshakes_total").stream()
                .filter(s -> "failure".equals(s.labels().get("result")))
                .toList();
        assertEquals(
                java.util.Map.of("side", "upstream", "name", "orders", "result", "failure", "reason", "unknown_ca"),
                failure.get(0).labels());
        // both reload results exist before the first failure, so increase() sees the first one
        assertEquals(
                2, PromText.samples(body, "mtls_proxy_config_reloads_total").size());
        assertEquals(
                java.util.Map.of("route", "orders", "mode", "enforce"),
                PromText.samples(body, "mtls_proxy_identity_denials_total")
                        .get(0)
                        .labels());
    }

    @Test
    void durationHistogramHasMillisecondToMinuteBuckets() {
        var buckets = PromText.samples(body, "mtls_proxy_request_duration_seconds_bucket").stream()
                .filter(s -> s.labels().get("route").equals("orders"))
                .map(s -> s.labels().get("le"))
                .toList();
        assertEquals(
                List.of(
                        "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0",
                        "10.0", "30.0", "60.0", "+Inf"),
                buckets);
        var remaining = PromText.samples(body, "mtls_proxy_client_cert_remaining_seconds_bucket");
        assertEquals(9, remaining.size(), remaining.toString()); // 1, 3, 7, 14, 30, 90, 180, 365 days, +Inf
        // the 20-day certificate falls in the 30-day bucket and not in the 14-day one
        assertEquals(0.0, remaining.get(3).value());
        assertEquals(1.0, remaining.get(4).value());
    }

    @Test
    void jvmProcessAndNettyAllocatorMeters() {
        for (String name : List.of(
                "jvm_memory_used_bytes",
                "jvm_threads_live_threads",
                "jvm_classes_loaded_classes",
                "process_cpu_usage",
                "process_uptime_seconds",
                "process_files_open_files")) {
            assertFalse(PromText.samples(body, name).isEmpty(), name);
        }
        assertTrue(body.contains("netty_allocator_memory_used"), "Netty allocator meters");
    }

    @Test
    void passesPromtoolCheckMetrics() {
        Tools.Result r = Tools.run(body, List.of(Tools.binary("promtool").toString(), "check", "metrics"));
        assertEquals(0, r.exit(), "promtool check metrics:\n" + r.output());
    }

    private static void assertType(String name, String type) {
        assertTrue(body.contains("# TYPE " + name + " " + type + "\n"), "# TYPE " + name + " " + type);
        assertTrue(body.contains("# HELP " + name + " "), "# HELP " + name);
    }
}
