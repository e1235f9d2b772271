package io.mtlsproxy.admin.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mtlsproxy.admin.testing.AdminClient;
import io.mtlsproxy.admin.testing.PromText;
import io.mtlsproxy.config.AdminConfig;
import io.mtlsproxy.config.ConfigLoader;
import io.mtlsproxy.core.ProxyServer;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestOrigin;
import io.mtlsproxy.core.testing.TestPki;
import io.mtlsproxy.core.testing.TestTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /clients} after real mTLS handshakes: 200 distinct client certificates through a listener with
 * {@code clients.max-tracked = 100} leave the 100 most recent, the oldest dropped and counted; the expiring and
 * critical ones are counted by state in /metrics; {@code ?state=} and {@code ?listener=} filter. (Twice the
 * bound is what the eviction needs; the 1,000-client run of the notes took a minute of the suite for nothing more.)
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClientsEndpointTest {
    private static final int CLIENTS = 200;
    private static final int MAX_TRACKED = 100;

    @TempDir
    Path dir;

    TestPki pki;
    TestPki.Ca serverCa;
    TestPki.Ca clientCa;
    TestPki.Leaf server;
    TestOrigin origin;
    ProxyServer proxy;
    AdminServer admin;
    AdminClient client;
    PrometheusMeterRegistry registry;

    @BeforeEach
    void start() throws Exception {
        pki = new TestPki(dir);
        serverCa = pki.ca("edge");
        server = serverCa.server("localhost");
        clientCa = pki.ca("clients");
        origin = TestOrigin.plain("origin");
        writeConfig("");
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        proxy = ProxyServer.builder().metrics(new ProxyMetrics(registry)).build();
        proxy.start(ConfigLoader.load(dir.resolve("proxy.conf")));
        admin = AdminServer.builder(proxy.view(), registry)
                .config(new AdminConfig("127.0.0.1", 0))
                .start();
        client = new AdminClient(admin.port());
    }

    /** proxy.conf with {@code clientTrust} added to the listener's tls block. */
    private void writeConfig(String clientTrust) throws Exception {
        Files.writeString(dir.resolve("proxy.conf"), """
                access-log = off
                clients { max-tracked = %d }
                listeners = [{
                  name = edge, bind = "127.0.0.1", port = 0
                  tls { mode = mtls, certificates = [{ cert = "%s", key = "%s" }], client-ca = "%s"
                        %s }
                }]
                routes = [{ name = app, listener = edge, upstream.endpoints = ["127.0.0.1:%d"] }]
                """.formatted(
                MAX_TRACKED, server.certFile(), server.keyFile(), clientCa.certFile(), clientTrust, origin.port()));
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

    /** One request as a client of its own certificate: answered, so its handshake was recorded first. */
    private void visit(TestPki.Leaf leaf) throws Exception {
        try (RawHttpClient c =
                RawHttpClient.connectTls(proxy.port("edge"), TestTls.client(serverCa.certFile(), leaf), "localhost")) {
            assertEquals(200, c.get("localhost", "/").status());
        }
    }

    /** Client {@code i}: the last 15 expire soon, 10 within warn-before (30 days), 5 within critical-before (7). */
    private TestPki.Leaf issue(int i) {
        Instant now = Instant.now();
        Duration left =
                i >= CLIENTS - 5 ? Duration.ofDays(3) : i >= CLIENTS - 15 ? Duration.ofDays(20) : Duration.ofDays(365);
        CertificateSpec spec = CertificateSpec.client("client-" + i)
                .uri("spiffe://example.org/client/" + i)
                .validity(now.minus(Duration.ofHours(1)), now.plus(left))
                .build();
        return new TestPki.Leaf(clientCa.authority().issue(spec), null, null);
    }

    @Test
    void twiceTheBoundOfClientsKeepsTheMostRecentAndCountsTheirStates() throws Exception {
        for (int i = 0; i < CLIENTS; i++) {
            visit(issue(i));
        }
        JsonNode body = AdminClient.json(client.get("/clients"));
        assertEquals(CLIENTS - MAX_TRACKED, body.get("dropped").asLong());
        JsonNode clients = body.get("clients");
        assertEquals(MAX_TRACKED, clients.size());
        Set<String> subjects = new HashSet<>();
        clients.forEach(c -> subjects.add(c.get("subject").asText()));
        for (int i = CLIENTS - MAX_TRACKED; i < CLIENTS; i++) {
            assertTrue(
                    subjects.contains("CN=client-" + i),
                    "client-" + i + " is among the " + MAX_TRACKED + " most recent");
        }
        JsonNode newest = clients.get(0);
        assertEquals(
                List.of(
                        "listener",
                        "subject",
                        "issuer",
                        "serial",
                        "sha256",
                        "uri_sans",
                        "dns_sans",
                        "not_before",
                        "not_after",
                        "expires_in_seconds",
                        "state",
                        "first_seen",
                        "last_seen",
                        "handshakes",
                        "denials"),
                CertsEndpointTest.fieldNames(newest));
        assertEquals("edge", newest.get("listener").asText());
        assertEquals("CN=client-" + (CLIENTS - 1), newest.get("subject").asText());
        assertEquals(
                "spiffe://example.org/client/" + (CLIENTS - 1),
                newest.get("uri_sans").get(0).asText());
        assertEquals("critical", newest.get("state").asText());
        assertEquals(1, newest.get("handshakes").asLong());
        assertEquals(0, newest.get("denials").asLong());
        assertEquals(64, newest.get("sha256").asText().length());

        assertEquals(
                5,
                AdminClient.json(client.get("/clients?state=critical"))
                        .get("clients")
                        .size());
        assertEquals(
                15,
                AdminClient.json(client.get("/clients?state=expiring,critical"))
                        .get("clients")
                        .size());
        assertEquals(
                MAX_TRACKED,
                AdminClient.json(client.get("/clients?listener=edge"))
                        .get("clients")
                        .size());
        assertEquals(
                0,
                AdminClient.json(client.get("/clients?listener=other"))
                        .get("clients")
                        .size());
        assertEquals(400, client.get("/clients?state=bogus").statusCode());

        admin.inventory().refresh(); // what the timer does every minute
        String metrics = client.get("/metrics").body();
        assertEquals(
                Map.of(
                        "valid",
                        MAX_TRACKED - 15.0,
                        "expiring",
                        10.0,
                        "critical",
                        5.0,
                        "expired",
                        0.0,
                        "not_yet_valid",
                        0.0,
                        "revoked",
                        0.0,
                        "denied",
                        0.0),
                byState(metrics));
        assertEquals(
                CLIENTS - MAX_TRACKED,
                PromText.samples(metrics, "mtls_proxy_clients_dropped_total")
                        .get(0)
                        .value());
    }

    @Test
    void aReturningClientIsOneEntryWithItsHandshakesCounted() throws Exception {
        TestPki.Leaf leaf = issue(0);
        visit(leaf);
        visit(leaf);
        visit(issue(1));
        visit(leaf);
        JsonNode clients = AdminClient.json(client.get("/clients")).get("clients");
        assertEquals(2, clients.size());
        assertEquals("CN=client-0", clients.get(0).get("subject").asText(), "most recently seen first");
        assertEquals(3, clients.get(0).get("handshakes").asLong());
        assertTrue(clients.get(0)
                        .get("first_seen")
                        .asText()
                        .compareTo(clients.get(0).get("last_seen").asText())
                < 0);
    }

    @Test
    void revokedAndDeniedClientsAreCountedByTheirState() throws Exception {
        TestPki.Leaf kept = issue(0);
        TestPki.Leaf denied = issue(1);
        TestPki.Leaf revoked = issue(2);
        for (TestPki.Leaf leaf : List.of(kept, denied, revoked)) {
            visit(leaf);
        }
        writeConfig("deny { serials = [\"%s\"] }, crl = \"%s\""
                .formatted(denied.serial().toString(16), clientCa.crl(revoked)));
        assertEquals(200, client.post("/reload").statusCode());
        for (TestPki.Leaf leaf : List.of(denied, revoked)) {
            try (RawHttpClient c = RawHttpClient.connectTls(
                    proxy.port("edge"), TestTls.client(serverCa.certFile(), leaf), "localhost")) {
                c.get("localhost", "/");
                throw new AssertionError("a refused client got an answer");
            } catch (java.io.IOException refused) {
                // refused in the handshake (with TLS 1.3 the client sees it on its first read)
            }
        }
        visit(kept);

        Map<String, String> states = new java.util.HashMap<>();
        AdminClient.json(client.get("/clients"))
                .get("clients")
                .forEach(c ->
                        states.put(c.get("subject").asText(), c.get("state").asText()));
        assertEquals(Map.of("CN=client-0", "valid", "CN=client-1", "denied", "CN=client-2", "revoked"), states);

        admin.inventory().refresh();
        Map<String, Double> counted = byState(client.get("/metrics").body());
        assertEquals(1.0, counted.get("valid"));
        assertEquals(1.0, counted.get("denied"), "the gauge counts what /clients shows: " + counted);
        assertEquals(1.0, counted.get("revoked"));
        assertEquals(
                3.0, counted.values().stream().mapToDouble(Double::doubleValue).sum(), "each client once");
    }

    private static Map<String, Double> byState(String metrics) {
        Map<String, Double> out = new java.util.HashMap<>();
        for (PromText.Sample s : PromText.samples(metrics, "mtls_proxy_clients")) {
            assertEquals("edge", s.labels().get("listener"));
            out.put(s.labels().get("state"), s.value());
        }
        return out;
    }
}
