package io.mtlsproxy.admin.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtlsproxy.config.AccessLogFormat;
import io.mtlsproxy.core.metrics.AccessLogEntry;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The request's trace and TLS fields, the {@code fields} choice and the {@code ecs} names. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AccessLogFormatTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static AccessLogEntry entry() {
        return new AccessLogEntry(
                Instant.parse("2026-03-01T10:00:00.123456Z"),
                "public",
                "orders",
                "203.0.113.7",
                "GET",
                "/orders/42",
                200,
                0,
                1234,
                1_532,
                "10.0.0.5:9443",
                "CN=checkout,O=Example",
                List.of("spiffe://example.org/ns/prod/sa/checkout"),
                "3f".repeat(32),
                "CN=Example clients CA 2026",
                "1a2b3c",
                null,
                null,
                "5b3c1f0e-8f9a-4c1d-9e2f-0a1b2c3d4e5f",
                "curl/8.5.0",
                "TLSv1.3",
                "TLS_AES_128_GCM_SHA256",
                "api.example.com",
                211,
                1_004,
                0);
    }

    private static JsonNode line(AccessLogFormat format, AccessLogEntry e) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonAccessLog log = new JsonAccessLog(out, false, 4, format)) {
            log.log(e);
        }
        return JSON.readTree(out.toString());
    }

    private static List<String> names(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void theDefaultLineHasTheNewFields() throws Exception {
        JsonNode n = line(AccessLogFormat.DEFAULT, entry());
        assertEquals("5b3c1f0e-8f9a-4c1d-9e2f-0a1b2c3d4e5f", n.get("request_id").asText());
        assertEquals("curl/8.5.0", n.get("user_agent").asText());
        assertEquals("TLSv1.3", n.get("tls_version").asText());
        assertEquals("TLS_AES_128_GCM_SHA256", n.get("cipher").asText());
        assertEquals("api.example.com", n.get("sni").asText());
        assertEquals("0.211", n.get("upstream_connect_ms").asText());
        assertEquals("1.004", n.get("upstream_response_ms").asText());
        assertEquals(0, n.get("retries").asInt());
        assertEquals("CN=checkout,O=Example", n.get("client").get("subject").asText());
    }

    @Test
    void stepsNeverReachedAreNull() throws Exception {
        AccessLogEntry e = entry();
        AccessLogEntry refused = new AccessLogEntry(
                e.time(),
                e.listener(),
                e.route(),
                e.remoteAddress(),
                e.method(),
                e.path(),
                429,
                0,
                10,
                90,
                null,
                null,
                List.of(),
                null,
                null,
                null,
                "rate limit",
                null,
                e.requestId(),
                null,
                null,
                null,
                null,
                -1,
                -1,
                0);
        JsonNode n = line(AccessLogFormat.DEFAULT, refused);
        assertTrue(n.get("upstream_connect_ms").isNull());
        assertTrue(n.get("upstream_response_ms").isNull());
        assertTrue(n.get("client").isNull());
        assertTrue(n.get("tls_version").isNull(), "a plain listener");
    }

    @Test
    void fieldsKeepOnlyThoseInTheLogsOrder() throws Exception {
        JsonNode n = line(
                new AccessLogFormat(AccessLogFormat.Style.DEFAULT, List.of("status", "request_id", "time")), entry());
        assertEquals(List.of("time", "status", "request_id"), names(n));
    }

    @Test
    void ecsNamesTheFieldsAsElasticCommonSchema() throws Exception {
        JsonNode n = line(new AccessLogFormat(AccessLogFormat.Style.ECS, List.of()), entry());
        assertEquals("2026-03-01T10:00:00.123Z", n.get("@timestamp").asText());
        assertEquals(AccessLogLine.ECS_VERSION, n.get("ecs.version").asText());
        assertEquals("GET", n.get("http.request.method").asText());
        assertEquals(200, n.get("http.response.status_code").asInt());
        assertEquals(1_532_000, n.get("event.duration").asLong(), "nanoseconds");
        assertEquals(
                "5b3c1f0e-8f9a-4c1d-9e2f-0a1b2c3d4e5f", n.get("http.request.id").asText());
        assertEquals("curl/8.5.0", n.get("user_agent.original").asText());
        assertEquals("1.3", n.get("tls.version").asText());
        assertEquals("TLS_AES_128_GCM_SHA256", n.get("tls.cipher").asText());
        assertEquals("api.example.com", n.get("tls.client.server_name").asText());
        assertEquals("CN=checkout,O=Example", n.get("tls.client.subject").asText());
        assertEquals("3f".repeat(32), n.get("tls.client.hash.sha256").asText());
        assertEquals(
                "spiffe://example.org/ns/prod/sa/checkout",
                n.get("tls.client.x509.alternative_names").get(0).asText());
        assertEquals("10.0.0.5:9443", n.get("destination.address").asText());
        assertEquals("203.0.113.7", n.get("client.address").asText());
        assertEquals("orders", n.get("labels.route").asText());
        assertEquals(0, n.get("mtls_proxy.upstream.retries").asInt());
    }
}
