package io.mtlsproxy.admin.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mtlsproxy.admin.testing.AdminClient;
import io.mtlsproxy.admin.testing.Certificates;
import io.mtlsproxy.admin.testing.FakeProxyView;
import io.mtlsproxy.admin.testing.PromText;
import io.mtlsproxy.config.AdminConfig;
import io.mtlsproxy.config.ExpiryConfig;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.tls.CertificateUse;
import io.mtlsproxy.core.tls.CrlUse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** /certs field by field, and the expiry gauges against it, for real certificates with known dates. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CertsEndpointTest {
    static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    @TempDir
    static Path dir;

    static AdminServer server;
    static AdminClient client;
    static CertificateUse valid;
    static CertificateUse expiring;
    static CertificateUse critical;
    static CertificateUse expired;
    static CertificateUse notYetValid;
    static CertificateUse clientCa;
    static CrlUse staleCrl;
    static CrlUse freshCrl;

    @BeforeAll
    static void start() {
        Certificates pki = new Certificates(dir, NOW);
        valid = pki.server("listener-server", "public", "api", Duration.ofDays(60));
        clientCa = pki.caUse("listener-client-ca", "public");
        expiring = pki.client(
                "upstream-client",
                "orders",
                "orders-client",
                NOW.minus(Duration.ofDays(30)),
                NOW.plus(Duration.ofDays(20)));
        critical = pki.client(
                "upstream-client",
                "billing",
                "billing-client",
                NOW.minus(Duration.ofDays(30)),
                NOW.plus(Duration.ofDays(3)));
        expired = pki.expiredAnchor("upstream-trust", "orders", "old-origin-ca");
        notYetValid = pki.client(
                "listener-server", "internal", "future", NOW.plus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(90)));
        staleCrl = pki.crl("public", "stale-crl", NOW.minus(Duration.ofDays(8)), NOW.minus(Duration.ofHours(1)));
        freshCrl = pki.crl("internal", "fresh-crl", NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofDays(7)));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        FakeProxyView view = new FakeProxyView(new ProxyMetrics(registry))
                .ready(true)
                .certificates(List.of(valid, clientCa, expiring, critical, expired, notYetValid))
                .crls(List.of(staleCrl, freshCrl));
        server = AdminServer.builder(view, registry)
                .config(new AdminConfig("127.0.0.1", 0))
                .expiry(ExpiryConfig.DEFAULT)
                .clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .start();
        client = new AdminClient(server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void everyFieldOfAValidServerCertificate() throws Exception {
        JsonNode body = AdminClient.json(client.get("/certs"));
        assertEquals(rfc3339Millis(NOW), body.get("generated_at").asText());
        JsonNode e = entry(body, "listener-server", "public");
        var cert = valid.certificate();
        assertEquals(valid.path().toString(), e.get("path").asText());
        assertEquals(
                cert.getSubjectX500Principal().getName(X500Principal.RFC2253),
                e.get("subject").asText());
        assertEquals("CN=api,O=Example", e.get("subject").asText());
        assertEquals("CN=Test Root CA", e.get("issuer").asText());
        assertEquals(cert.getSerialNumber().toString(16), e.get("serial").asText());
        assertTrue(e.get("serial").asText().matches("[0-9a-f]+"), "serial is lowercase hex");
        String sha =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        assertEquals(sha, e.get("sha256").asText());
        assertTrue(e.get("sha256").asText().matches("[0-9a-f]{64}"), "sha256 is 64 lowercase hex digits");
        assertEquals(List.of("DNS:api.example.com", "IP:127.0.0.1", "URI:spiffe://test/api"), strings(e.get("sans")));
        assertEquals(
                rfc3339(NOW.minus(Duration.ofDays(30))), e.get("not_before").asText());
        assertEquals(rfc3339(NOW.plus(Duration.ofDays(60))), e.get("not_after").asText());
        assertTrue(e.get("not_after").asText().endsWith("Z"));
        assertEquals(
                Duration.ofDays(60).toSeconds(), e.get("expires_in_seconds").asLong());
        assertEquals("valid", e.get("state").asText());
        assertEquals(
                List.of(
                        "usage",
                        "owner",
                        "path",
                        "subject",
                        "issuer",
                        "serial",
                        "sans",
                        "sha256",
                        "not_before",
                        "not_after",
                        "expires_in_seconds",
                        "state"),
                fieldNames(e));
    }

    @Test
    void statesFollowTheThresholds() {
        JsonNode body = AdminClient.json(client.get("/certs"));
        assertEquals(
                "valid",
                entry(body, "listener-client-ca", "public").get("state").asText());
        assertEquals(
                "expiring",
                entry(body, "upstream-client", "orders").get("state").asText());
        assertEquals(
                Duration.ofDays(20).toSeconds(),
                entry(body, "upstream-client", "orders")
                        .get("expires_in_seconds")
                        .asLong());
        assertEquals(
                "critical",
                entry(body, "upstream-client", "billing").get("state").asText());
        JsonNode old = entry(body, "upstream-trust", "orders");
        assertEquals("expired", old.get("state").asText());
        assertEquals(
                -Duration.ofDays(1).toSeconds(), old.get("expires_in_seconds").asLong());
        assertEquals(
                "not_yet_valid",
                entry(body, "listener-server", "internal").get("state").asText());
        assertEquals(List.of(), strings(entry(body, "upstream-trust", "orders").get("sans")));
    }

    @Test
    void crlsAreEntriesWithTheirOwnDates() {
        JsonNode body = AdminClient.json(client.get("/certs"));
        JsonNode stale = entry(body, "listener-crl", "public");
        assertEquals(
                List.of("usage", "owner", "path", "issuer", "this_update", "next_update", "state"), fieldNames(stale));
        assertEquals(staleCrl.location(), stale.get("path").asText());
        assertEquals("CN=Test Root CA", stale.get("issuer").asText());
        assertEquals(
                rfc3339(NOW.minus(Duration.ofDays(8))), stale.get("this_update").asText());
        assertEquals(
                rfc3339(NOW.minus(Duration.ofHours(1))),
                stale.get("next_update").asText());
        assertEquals("stale", stale.get("state").asText());
        assertEquals(
                "valid", entry(body, "listener-crl", "internal").get("state").asText());
    }

    @Test
    void stateFilterKeepsOnlyTheNamedStates() {
        JsonNode expiringOnly = AdminClient.json(client.get("/certs?state=expiring"));
        assertEquals(1, expiringOnly.get("certificates").size());
        assertEquals(
                "orders", expiringOnly.get("certificates").get(0).get("owner").asText());
        JsonNode attention = AdminClient.json(client.get("/certs?state=critical,expired&state=stale"));
        List<String> states = new ArrayList<>();
        attention.get("certificates").forEach(c -> states.add(c.get("state").asText()));
        assertEquals(List.of("critical", "expired", "stale"), states);
        var bad = client.get("/certs?state=expiered");
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().contains("state: expiered (expected"), bad.body());
    }

    @Test
    void gaugesAgreeWithCerts() {
        JsonNode body = AdminClient.json(client.get("/certs"));
        String metrics = client.get("/metrics").body();
        int certificates = 0;
        for (JsonNode e : body.get("certificates")) {
            if (e.get("usage").asText().equals("listener-crl")) {
                Map<String, String> labels = Map.of(
                        "owner",
                        e.get("owner").asText(),
                        "issuer",
                        e.get("issuer").asText());
                assertEquals(
                        Instant.parse(e.get("next_update").asText()).getEpochSecond(),
                        value(metrics, "mtls_proxy_crl_next_update_seconds", labels));
                continue;
            }
            certificates++;
            Map<String, String> labels = Map.of(
                    "usage",
                    e.get("usage").asText(),
                    "owner",
                    e.get("owner").asText(),
                    "subject",
                    e.get("subject").asText(),
                    "serial",
                    e.get("serial").asText());
            assertEquals(
                    e.get("expires_in_seconds").asLong(),
                    value(metrics, "mtls_proxy_certificate_expires_in_seconds", labels),
                    labels.toString());
            assertEquals(
                    Instant.parse(e.get("not_after").asText()).getEpochSecond(),
                    value(metrics, "mtls_proxy_certificate_not_after_seconds", labels),
                    labels.toString());
        }
        assertEquals(6, certificates);
        assertEquals(
                6,
                PromText.samples(metrics, "mtls_proxy_certificate_expires_in_seconds")
                        .size());
        assertEquals(
                2,
                PromText.samples(metrics, "mtls_proxy_crl_next_update_seconds").size());
    }

    private static long value(String metrics, String name, Map<String, String> labels) {
        List<PromText.Sample> found = PromText.samples(metrics, name).stream()
                .filter(s -> s.labels().equals(labels))
                .toList();
        assertEquals(1, found.size(), name + labels + " in\n" + metrics);
        return (long) found.get(0).value();
    }

    static JsonNode entry(JsonNode body, String usage, String owner) {
        for (JsonNode e : body.get("certificates")) {
            if (e.get("usage").asText().equals(usage) && e.get("owner").asText().equals(owner)) {
                return e;
            }
        }
        throw new AssertionError("no " + usage + " entry of " + owner + " in " + body);
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    static List<String> fieldNames(JsonNode object) {
        List<String> out = new ArrayList<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    static String rfc3339(Instant instant) {
        return java.time.format.DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }

    static String rfc3339Millis(Instant instant) {
        return java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
                .withZone(ZoneOffset.UTC)
                .format(instant);
    }
}
