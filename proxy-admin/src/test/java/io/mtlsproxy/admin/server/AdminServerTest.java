package io.mtlsproxy.admin.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mtlsproxy.admin.testing.AdminClient;
import io.mtlsproxy.admin.testing.FakeProxyView;
import io.mtlsproxy.config.AdminConfig;
import io.mtlsproxy.config.ConfigError;
import io.mtlsproxy.config.ExpiryConfig;
import io.mtlsproxy.config.Source;
import io.mtlsproxy.core.identity.TlsFailureReason;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.metrics.TlsFailure;
import io.mtlsproxy.core.reload.ReloadResult;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The admin endpoints over real HTTP on loopback, against a fake view of the proxy. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AdminServerTest {
    PrometheusMeterRegistry registry;
    FakeProxyView view;
    AdminServer server;
    AdminClient client;

    @BeforeEach
    void start() {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        view = new FakeProxyView(new ProxyMetrics(registry));
        server = AdminServer.start(new AdminConfig("127.0.0.1", 0), view, registry, ExpiryConfig.DEFAULT);
        client = new AdminClient(server.port());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void bindsLoopbackOnAFreePort() {
        assertTrue(server.port() > 0);
        assertTrue(server.address().getAddress().isLoopbackAddress());
    }

    @Test
    void healthzAnswersWhileTheProcessRuns() {
        var response = client.get("/healthz");
        assertEquals(200, response.statusCode());
        assertEquals("ok\n", response.body());
        view.draining(true);
        assertEquals(200, client.get("/healthz").statusCode());
    }

    @Test
    void readyzFollowsStartServeAndDrain() {
        var starting = client.get("/readyz");
        assertEquals(503, starting.statusCode());
        assertEquals("starting\n", starting.body());
        view.ready(true);
        var serving = client.get("/readyz");
        assertEquals(200, serving.statusCode());
        assertEquals("ready\n", serving.body());
        view.draining(true);
        var draining = client.get("/readyz");
        assertEquals(503, draining.statusCode());
        assertEquals("draining\n", draining.body());
    }

    @Test
    void unknownPathIs404AndWrongMethodIs405() {
        var missing = client.get("/nope");
        assertEquals(404, missing.statusCode());
        assertTrue(missing.body().contains("/nope"), missing.body());
        var postCerts = client.post("/certs");
        assertEquals(405, postCerts.statusCode());
        assertEquals("GET", postCerts.headers().firstValue("allow").orElse(""));
        var getReload = client.get("/reload");
        assertEquals(405, getReload.statusCode());
        assertEquals("POST", getReload.headers().firstValue("allow").orElse(""));
        assertEquals(405, client.send("DELETE", "/metrics").statusCode());
        assertTrue(view.reloadThreads.isEmpty(), "a GET never reloads");
    }

    @Test
    void reloadOkListsWhatChanged() {
        view.onReload(() -> ReloadResult.success(List.of("listeners.public.tls", "routes.orders")));
        var response = client.post("/reload");
        assertEquals(200, response.statusCode());
        assertEquals(
                "application/json",
                response.headers().firstValue("content-type").orElse(""));
        JsonNode body = AdminClient.json(response);
        assertEquals("ok", body.get("result").asText());
        assertEquals(List.of("listeners.public.tls", "routes.orders"), CertsEndpointTest.strings(body.get("changed")));
        assertEquals(List.of("result", "changed"), CertsEndpointTest.fieldNames(body));
        assertEquals(1, view.reloadThreads.size());
        assertTrue(
                view.reloadThreads.get(0).startsWith("admin-reload"),
                "reload ran on " + view.reloadThreads.get(0) + ", expected the reload thread, not the event loop");
    }

    @Test
    void reloadErrorIs422WithFileLineKeyMessage() {
        view.onReload(() -> ReloadResult.failure(List.of(
                new ConfigError(
                        new Source("/etc/mtls-proxy/proxy.conf", 12),
                        "listeners[0].tls.verify-depth",
                        "0 (expected: 1..10)"),
                new ConfigError(
                        new Source("/etc/mtls-proxy/routes.d/orders.conf", 3),
                        "routes[0].listener",
                        "no listener named publik (expected one of: public)"))));
        var response = client.post("/reload");
        assertEquals(422, response.statusCode());
        JsonNode body = AdminClient.json(response);
        assertEquals("error", body.get("result").asText());
        assertEquals(
                List.of(
                        "/etc/mtls-proxy/proxy.conf:12: listeners[0].tls.verify-depth: 0 (expected: 1..10)",
                        "/etc/mtls-proxy/routes.d/orders.conf:3: routes[0].listener: no listener named publik "
                                + "(expected one of: public)"),
                CertsEndpointTest.strings(body.get("errors")));
        assertEquals(List.of("result", "errors"), CertsEndpointTest.fieldNames(body));
    }

    @Test
    void reloadThatThrowsIsReportedAsAnError() {
        view.onReload(() -> {
            throw new IllegalStateException("disk on fire");
        });
        var response = client.post("/reload");
        assertEquals(422, response.statusCode());
        assertTrue(AdminClient.json(response).get("errors").get(0).asText().contains("disk on fire"));
    }

    @Test
    void slowReloadDoesNotBlockOtherEndpoints() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        view.ready(true).onReload(() -> {
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return ReloadResult.success(List.of());
        });
        var pending = java.util.concurrent.CompletableFuture.supplyAsync(() -> client.post("/reload"));
        // while the reload waits, the event loop still answers
        assertEquals(200, client.get("/readyz").statusCode());
        assertEquals(200, client.get("/metrics").statusCode());
        assertFalse(pending.isDone());
        release.countDown();
        assertEquals(200, pending.get(20, TimeUnit.SECONDS).statusCode());
    }

    @Test
    void tlsFailuresNewestFirstWithEveryField() {
        ProxyMetrics metrics = view.metrics();
        Instant t1 = Instant.parse("2026-03-01T10:00:00.123Z");
        Instant t2 = Instant.parse("2026-03-01T10:00:05Z");
        metrics.handshakeFailed(new TlsFailure(
                t1,
                ProxyMetrics.Side.INBOUND,
                "public",
                "203.0.113.7:51234",
                "api.example.com",
                TlsFailureReason.UNKNOWN_CA,
                "unable to find valid certification path",
                "CN=mallory,O=Elsewhere",
                null));
        metrics.handshakeFailed(new TlsFailure(
                t2,
                ProxyMetrics.Side.UPSTREAM,
                "orders",
                "10.0.0.5:9443",
                "orders.internal",
                TlsFailureReason.HOSTNAME_MISMATCH,
                "no SAN matches orders.internal",
                null,
                null));
        var response = client.get("/tls/failures");
        assertEquals(200, response.statusCode());
        JsonNode failures = AdminClient.json(response).get("failures");
        assertEquals(2, failures.size());
        JsonNode upstream = failures.get(0);
        assertEquals("2026-03-01T10:00:05.000Z", upstream.get("time").asText());
        assertEquals("upstream", upstream.get("side").asText());
        assertEquals("orders", upstream.get("name").asText());
        assertEquals("hostname_mismatch", upstream.get("reason").asText());
        assertTrue(upstream.get("peer_subject").isNull());
        JsonNode inbound = failures.get(1);
        assertEquals(
                List.of("time", "side", "name", "remote_address", "sni", "reason", "detail", "peer_subject"),
                CertsEndpointTest.fieldNames(inbound));
        assertEquals("2026-03-01T10:00:00.123Z", inbound.get("time").asText());
        assertEquals("inbound", inbound.get("side").asText());
        assertEquals("public", inbound.get("name").asText());
        assertEquals("203.0.113.7:51234", inbound.get("remote_address").asText());
        assertEquals("api.example.com", inbound.get("sni").asText());
        assertEquals("unknown_ca", inbound.get("reason").asText());
        assertEquals(
                "unable to find valid certification path", inbound.get("detail").asText());
        assertEquals("CN=mallory,O=Elsewhere", inbound.get("peer_subject").asText());
    }

    @Test
    void anExpiredEntryCarriesItsClockSkew() {
        view.metrics()
                .handshakeFailed(new TlsFailure(
                        Instant.now(),
                        ProxyMetrics.Side.INBOUND,
                        "public",
                        "203.0.113.7:51234",
                        null,
                        TlsFailureReason.EXPIRED,
                        "certificate CN=late expired on ...",
                        "CN=late",
                        42L));
        JsonNode entry =
                AdminClient.json(client.get("/tls/failures")).get("failures").get(0);
        assertEquals("expired", entry.get("reason").asText());
        assertEquals(42, entry.get("clock_skew_seconds").asLong());
    }

    @Test
    void tlsFailuresKeepsTheLastHundred() {
        for (int i = 0; i < 130; i++) {
            view.metrics()
                    .handshakeFailed(new TlsFailure(
                            Instant.now(),
                            ProxyMetrics.Side.INBOUND,
                            "l" + i,
                            "127.0.0.1:1",
                            null,
                            TlsFailureReason.TIMEOUT,
                            "handshake timed out",
                            null,
                            null));
        }
        JsonNode failures = AdminClient.json(client.get("/tls/failures")).get("failures");
        assertEquals(100, failures.size());
        assertEquals("l129", failures.get(0).get("name").asText());
        assertEquals("l30", failures.get(99).get("name").asText());
    }

    @Test
    void aTakenPortIsAClearError() {
        var conflict = assertThrows(
                IllegalStateException.class,
                () -> AdminServer.start(
                        new AdminConfig("127.0.0.1", server.port()), view, registry, ExpiryConfig.DEFAULT));
        assertTrue(
                conflict.getMessage().startsWith("admin: cannot listen on 127.0.0.1:" + server.port()),
                conflict.getMessage());
    }
}
