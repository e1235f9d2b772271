package io.mtlsproxy.admin.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mtlsproxy.admin.testing.AdminClient;
import io.mtlsproxy.admin.testing.Cli;
import io.mtlsproxy.config.AdminConfig;
import io.mtlsproxy.config.ConfigLoader;
import io.mtlsproxy.config.ReloadConfig;
import io.mtlsproxy.core.ProxyServer;
import io.mtlsproxy.core.ca.CertificateAuthority;
import io.mtlsproxy.core.certs.IssuedCertificate;
import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.reload.Reloader;
import io.mtlsproxy.core.reload.ServerView;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestOrigin;
import io.mtlsproxy.core.testing.TestPki;
import io.mtlsproxy.core.testing.TestTls;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rotation guide (docs/rotation.md) as a test: a proxy run from files made with {@code mtls-proxy pki},
 * its admin endpoint over a {@link Reloader}; renew the server certificate, {@code POST /reload}, see the new
 * serial on {@code /certs} and on the wire; a broken key answers 422 with {@code FILE:LINE: key: message} and
 * counts a failure; a revocation and a stale CRL show on the wire and on {@code /certs}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RotationEndpointTest {
    @TempDir
    Path dir;

    TestOrigin origin;
    ProxyServer proxy;
    Reloader reloader;
    AdminServer admin;
    AdminClient client;
    PrometheusMeterRegistry registry;

    private Path p(String name) {
        return dir.resolve(name);
    }

    private static void pki(Object... args) {
        Cli.Result r = Cli.run(args);
        assertEquals(0, r.exit(), () -> "pki " + Arrays.toString(args) + ": " + r.err());
    }

    @BeforeEach
    void start() throws Exception {
        pki("pki", "init-ca", "--out", p("edge-ca"), "--cn", "Edge CA");
        pki(
                "pki",
                "issue",
                "--ca",
                p("edge-ca"),
                "--type",
                "server",
                "--cn",
                "localhost",
                "--ip",
                "127.0.0.1",
                "--out",
                p("pki"));
        pki("pki", "init-ca", "--out", p("clients-ca"), "--cn", "Clients CA");
        pki("pki", "issue", "--ca", p("clients-ca"), "--type", "client", "--cn", "orders-client", "--out", p("pki"));
        pki("pki", "revoke", "--ca", p("clients-ca"));
        origin = TestOrigin.plain("origin");
        Files.writeString(p("proxy.conf"), """
                admin { port = 0 }
                access-log = off
                listeners = [{
                  name = edge, bind = "127.0.0.1", port = 0
                  tls {
                    mode = mtls
                    certificates = [{ cert = "pki/localhost.crt", key = "pki/localhost.key" }]
                    client-ca = "clients-ca/ca.crt"
                    crl = "clients-ca/crl.pem"
                  }
                }]
                routes = [{ name = app, listener = edge, upstream.endpoints = ["127.0.0.1:%d"] }]
                """.formatted(origin.port()));

        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        proxy = ProxyServer.builder().metrics(new ProxyMetrics(registry)).build();
        proxy.start(ConfigLoader.load(p("proxy.conf")));
        AtomicReference<AdminServer> adminRef = new AtomicReference<>();
        reloader = Reloader.start(proxy, p("proxy.conf"), new ReloadConfig(false, Duration.ofSeconds(10)), result -> {
            if (adminRef.get() != null) {
                adminRef.get().inventory().refresh();
            }
        });
        ServerView view = proxy.view();
        view.attach(reloader);
        admin = AdminServer.builder(view, registry)
                .config(new AdminConfig("127.0.0.1", 0))
                .start();
        adminRef.set(admin);
        client = new AdminClient(admin.port());
    }

    @AfterEach
    void stop() {
        if (admin != null) {
            admin.close();
        }
        if (reloader != null) {
            reloader.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (origin != null) {
            origin.close();
        }
    }

    private JsonNode entry(String usage) {
        for (JsonNode e : AdminClient.json(client.get("/certs")).get("certificates")) {
            if (e.get("usage").asText().equals(usage)) {
                return e;
            }
        }
        throw new AssertionError("no " + usage + " on /certs");
    }

    private static String serialOf(Path pem) throws Exception {
        return Pem.readCertificates(Files.readAllBytes(pem))
                .get(0)
                .getSerialNumber()
                .toString(16);
    }

    /** A new mTLS connection as orders-client. */
    private RawHttpClient connect() throws Exception {
        return RawHttpClient.connectTls(proxy.port("edge"), TestTls.client(p("edge-ca/ca.crt"), orders()), "localhost");
    }

    private TestPki.Leaf orders() throws Exception {
        var cert = Pem.readCertificates(Files.readAllBytes(p("pki/orders-client.crt")));
        var key = Pem.readPrivateKey(Files.readAllBytes(p("pki/orders-client.key")));
        return new TestPki.Leaf(
                new IssuedCertificate(cert.get(0), key, List.of()),
                p("pki/orders-client.crt"),
                p("pki/orders-client.key"));
    }

    private double failures() {
        return registry.get("mtls_proxy_config_reloads")
                .tag("result", "failure")
                .counter()
                .count();
    }

    @Test
    void renewReloadAndSeeTheNewSerialThenABrokenKeyIsRefusedWith422() throws Exception {
        String before = entry("listener-server").get("serial").asText();
        assertEquals(serialOf(p("pki/localhost.crt")), before);

        pki("pki", "renew", "--ca", p("edge-ca"), "--cert", p("pki/localhost.crt"));
        String renewed = serialOf(p("pki/localhost.crt"));
        assertNotEquals(before, renewed);
        HttpResponse<String> ok = client.post("/reload");
        assertEquals(200, ok.statusCode(), ok::body);
        assertEquals(
                "{\"result\":\"ok\",\"changed\":[\"listeners.edge.tls\"]}",
                ok.body().strip());
        assertEquals(renewed, entry("listener-server").get("serial").asText());
        try (RawHttpClient c = connect()) {
            X509Certificate served = c.serverCertificate();
            assertEquals(renewed, served.getSerialNumber().toString(16), "on the wire too");
            assertEquals(200, c.get("localhost", "/").status());
        }

        String label = "PRIVATE" + " KEY-----"; // a broken key, spelled so no committed file looks like a real one
        Files.writeString(p("pki/localhost.key"), "-----BEGIN " + label + "\nbroken\n-----END " + label + "\n");
        HttpResponse<String> refused = client.post("/reload");
        assertEquals(422, refused.statusCode(), refused::body);
        JsonNode body = AdminClient.json(refused);
        assertEquals("error", body.get("result").asText());
        String error = body.get("errors").get(0).asText();
        assertTrue(error.matches(".*proxy\\.conf:7: listeners\\[0\\]\\.tls\\.certificates\\[0\\]\\.key: .+"), error);
        assertEquals(1.0, failures());
        assertTrue(client.get("/metrics").body().contains("mtls_proxy_config_reloads_total{result=\"failure\"} 1.0"));
        assertEquals(renewed, entry("listener-server").get("serial").asText(), "the running certificate stays");
        try (RawHttpClient c = connect()) {
            assertEquals(200, c.get("localhost", "/").status());
        }
    }

    @Test
    void aRevocationAndAStaleCrlShowOnTheWireAndOnCerts() throws Exception {
        try (RawHttpClient c = connect()) {
            assertEquals(200, c.get("localhost", "/").status());
        }
        pki("pki", "revoke", "--ca", p("clients-ca"), "--cert", p("pki/orders-client.crt"));
        assertEquals(200, client.post("/reload").statusCode());
        assertTrue(refused(), "a revoked client fails the handshake");

        CertificateAuthority ca = new CertificateAuthority(
                Pem.readCertificates(Files.readAllBytes(p("clients-ca/ca.crt"))).get(0),
                Pem.readPrivateKey(Files.readAllBytes(p("clients-ca/ca.key"))),
                List.of());
        Instant now = Instant.now();
        Pem.writePublic(
                p("clients-ca/crl.pem"),
                ca.crl(
                        Map.of(orders().serial(), now.minus(Duration.ofDays(2))),
                        now.minus(Duration.ofDays(9)),
                        now.minus(Duration.ofDays(2))));
        HttpResponse<String> ok = client.post("/reload");
        assertEquals(200, ok.statusCode(), ok::body);
        JsonNode crl = entry("listener-crl");
        assertEquals("stale", crl.get("state").asText());
        assertTrue(refused(), "a stale CRL is still enforced");
    }

    private boolean refused() throws Exception {
        List<Exception> errors = new ArrayList<>();
        try (RawHttpClient c = connect()) {
            c.get("localhost", "/");
        } catch (IOException e) {
            errors.add(e);
        }
        return !errors.isEmpty();
    }
}
