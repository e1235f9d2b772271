package io.mtlsproxy.admin.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtlsproxy.admin.server.AdminServer;
import io.mtlsproxy.admin.testing.Certificates;
import io.mtlsproxy.admin.testing.FakeProxyView;
import io.mtlsproxy.admin.testing.Tools;
import io.mtlsproxy.config.AdminConfig;
import io.mtlsproxy.config.ExpiryConfig;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.tls.CertificateUse;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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

/**
 * A real Prometheus server scrapes the admin endpoint every second with the shipped alert rules loaded: the
 * certificate series arrive with their labels, and the rules evaluate cleanly against real data.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrometheusScrapeTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    static Path dir;

    static PrometheusRegistry registry;
    static AdminServer admin;
    static Process prometheus;
    static int prometheusPort;
    static CertificateUse listenerCert;
    static CertificateUse criticalCert;

    @BeforeAll
    static void start() throws IOException {
        registry = PrometheusRegistry.create();
        Certificates pki = new Certificates(dir, Instant.now());
        listenerCert = pki.server("listener-server", "public", "api", Duration.ofDays(60));
        criticalCert = pki.server("upstream-client", "orders", "orders-client", Duration.ofDays(3));
        FakeProxyView view = new FakeProxyView(new ProxyMetrics(registry.registry()))
                .ready(true)
                .certificates(List.of(listenerCert, criticalCert));
        admin = AdminServer.start(new AdminConfig("127.0.0.1", 0), view, registry.registry(), ExpiryConfig.DEFAULT);

        prometheusPort = freePort();
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files:
                  - %s
                scrape_configs:
                  - job_name: mtls-proxy
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                """.formatted(Tools.repoRoot().resolve("conf/prometheus/alerts.yml"), admin.port()));
        prometheus = new ProcessBuilder(
                        Tools.binary("prometheus").toString(),
                        "--config.file=" + config,
                        "--storage.tsdb.path=" + dir.resolve("tsdb"),
                        "--web.listen-address=127.0.0.1:" + prometheusPort)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("prometheus.log").toFile())
                .start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        if (admin != null) {
            admin.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void prometheusStoresTheListenerCertificateSeries() throws Exception {
        JsonNode result = awaitResult("mtls_proxy_certificate_expires_in_seconds{usage=\"listener-server\"}");
        assertEquals(1, result.size(), result.toString());
        JsonNode metric = result.get(0).get("metric");
        assertEquals("mtls-proxy", metric.get("job").asText());
        assertEquals("public", metric.get("owner").asText());
        assertEquals("CN=api,O=Example", metric.get("subject").asText());
        assertEquals(
                listenerCert.certificate().getSerialNumber().toString(16),
                metric.get("serial").asText());
        double seconds = Double.parseDouble(result.get(0).get("value").get(1).asText());
        assertTrue(Math.abs(seconds - Duration.ofDays(60).toSeconds()) < 120, "expires in ~60 days: " + seconds);
    }

    @Test
    void theShippedRulesEvaluateAgainstRealSeries() throws Exception {
        // "for: 5m" keeps it pending, which is enough to show the rule matched the scraped series
        JsonNode pending = awaitResult("ALERTS{alertname=\"MtlsProxyCertificateCritical\",alertstate=\"pending\"}");
        assertEquals("orders", pending.get(0).get("metric").get("owner").asText());
        JsonNode groups = api("/api/v1/rules").get("data").get("groups");
        int rules = 0;
        for (JsonNode group : groups) {
            for (JsonNode rule : group.get("rules")) {
                assertEquals("ok", rule.get("health").asText(), rule.toString());
                rules++;
            }
        }
        assertEquals(12, rules);
        assertEquals(
                1.0,
                Double.parseDouble(awaitResult("mtls_proxy_ready")
                        .get(0)
                        .get("value")
                        .get(1)
                        .asText()));
    }

    /** Polls an instant query until it returns series (scrapes are every second; startup takes a few). */
    private static JsonNode awaitResult(String query) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            assertTrue(prometheus.isAlive(), () -> "prometheus exited: " + log());
            try {
                JsonNode body = api("/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
                JsonNode result = body.get("data").get("result");
                if (result.size() > 0) {
                    return result;
                }
                last = body.toString();
            } catch (IOException notYetListening) {
                last = notYetListening.toString();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no result for " + query + " within 20s; last: " + last + "\n" + log());
    }

    private static JsonNode api(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + prometheusPort + path))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    private static String log() {
        try {
            return Files.readString(dir.resolve("prometheus.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
