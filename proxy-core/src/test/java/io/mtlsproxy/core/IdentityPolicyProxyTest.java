package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.mtlsproxy.config.AllowList;
import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.ClientIdentity;
import io.mtlsproxy.config.IdentityMode;
import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.identity.PeerIdentity;
import io.mtlsproxy.core.metrics.AccessLog;
import io.mtlsproxy.core.metrics.AccessLogEntry;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.Echo;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestPki;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Routes' client-identity policies through a running proxy, with real handshakes: every allow-list kind admitting
 * and denying (403), SPIFFE prefixes that do not over-match, report-only, 495 and 496 under optional client auth,
 * and 421 when Host and SNI disagree.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class IdentityPolicyProxyTest {
    @TempDir
    static Path dir;

    static ProxyFixture fx;
    static ProxyServer proxy;
    static final ProxyMetrics metrics = ProxyMetrics.inMemory();
    static final ConcurrentLinkedQueue<AccessLogEntry> accessLog = new ConcurrentLinkedQueue<>();
    /** client-a: URI SAN spiffe://example.org/ns/prod/sa/checkout (from the fixture) */
    static TestPki.Leaf checkout;

    static TestPki.Leaf evil;
    static TestPki.Leaf prodItself;
    static TestPki.Leaf dotDot;
    static TestPki.Leaf batch;
    static TestPki.Leaf deepDns;
    static TestPki.Leaf rogue;
    static TestPki.Leaf expired;

    @BeforeAll
    static void start() throws Exception {
        fx = new ProxyFixture(dir);
        checkout = fx.client;
        evil = fx.clientCa.client("evil", "spiffe://example.org/ns/prod-evil/sa/checkout");
        prodItself = fx.clientCa.client("prod-itself", "spiffe://example.org/ns/prod");
        dotDot = fx.clientCa.client("dot-dot", "spiffe://example.org/ns/prod/../admin/sa/x");
        batch = fx.clientCa.leaf(
                "batch",
                CertificateSpec.client("orders-batch")
                        .organization("Example")
                        .dns("batch.clients.example.com")
                        .build());
        deepDns = fx.clientCa.leaf(
                "deep",
                CertificateSpec.client("deep")
                        .dns("a.batch.clients.example.com")
                        .build());
        rogue = fx.pki.ca("rogue").client("client-a", "spiffe://example.org/ns/prod/sa/checkout");
        expired = fx.clientCa.leaf("expired", TestPki.expiredClient("expired").build());

        int origin = fx.plainOrigin.port();
        String batchPrint = PeerIdentity.sha256Hex(batch.issued().certificate()).toUpperCase();
        StringBuilder colons = new StringBuilder();
        for (int i = 0; i < batchPrint.length(); i += 2) {
            colons.append(i == 0 ? "" : ":").append(batchPrint, i, i + 2);
        }
        List<RouteConfig> routes = new ArrayList<>();
        routes.add(allow(
                "subject",
                "mtls",
                new AllowList(List.of("O=Example, cn=orders-batch"), List.of(), List.of(), List.of()),
                IdentityMode.ENFORCE,
                origin));
        routes.add(allow(
                "dns",
                "mtls",
                new AllowList(List.of(), List.of("*.clients.example.com"), List.of(), List.of()),
                IdentityMode.ENFORCE,
                origin));
        routes.add(allow(
                "uri-exact",
                "mtls",
                new AllowList(List.of(), List.of(), List.of("spiffe://example.org/ns/prod/sa/checkout"), List.of()),
                IdentityMode.ENFORCE,
                origin));
        routes.add(allow(
                "uri-prefix",
                "mtls",
                new AllowList(List.of(), List.of(), List.of("spiffe://example.org/ns/prod/*"), List.of()),
                IdentityMode.ENFORCE,
                origin));
        routes.add(allow(
                "sha256",
                "mtls",
                new AllowList(List.of(), List.of(), List.of(), List.of(colons.toString())),
                IdentityMode.ENFORCE,
                origin));
        routes.add(allow(
                "report",
                "mtls",
                new AllowList(List.of("CN=nobody"), List.of(), List.of(), List.of()),
                IdentityMode.REPORT_ONLY,
                origin));
        routes.add(TestConfigs.route("any-verified", "mtls")
                .prefix("/any")
                .endpoint(origin)
                .identity(new ClientIdentity(true, IdentityMode.ENFORCE, AllowList.ANY))
                .build());
        routes.add(TestConfigs.route("need", "optional")
                .prefix("/need")
                .endpoint(origin)
                .identity(new ClientIdentity(true, IdentityMode.ENFORCE, AllowList.ANY))
                .build());
        routes.add(allow(
                "allow",
                "optional",
                new AllowList(List.of(), List.of(), List.of("spiffe://example.org/ns/prod/*"), List.of()),
                IdentityMode.ENFORCE,
                origin));
        routes.add(TestConfigs.route("open", "optional")
                .prefix("/open")
                .endpoint(origin)
                .build());
        routes.add(TestConfigs.route("unchecked", "no-host-check")
                .prefix("/")
                .endpoint(origin)
                .build());
        AccessLog log = accessLog::add;
        proxy = fx.start(
                ProxyServer.builder().metrics(metrics).accessLog(log),
                List.of(
                        TestConfigs.listener(
                                "mtls",
                                TestConfigs.mtls(fx.proxyServer, fx.clientCa.certFile(), ClientAuth.REQUIRED, true)),
                        TestConfigs.listener(
                                "optional",
                                TestConfigs.mtls(fx.proxyServer, fx.clientCa.certFile(), ClientAuth.OPTIONAL, true)),
                        TestConfigs.listener(
                                "no-host-check",
                                TestConfigs.mtls(fx.proxyServer, fx.clientCa.certFile(), ClientAuth.REQUIRED, false))),
                routes);
    }

    private static RouteConfig allow(String name, String listener, AllowList allow, IdentityMode mode, int origin) {
        return TestConfigs.route(name, listener)
                .prefix("/" + name)
                .endpoint(origin)
                .identity(new ClientIdentity(false, mode, allow))
                .build();
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    private static TestPki.Leaf leaf(String name) {
        return switch (name) {
            case "checkout" -> checkout;
            case "evil" -> evil;
            case "prod-itself" -> prodItself;
            case "dot-dot" -> dotDot;
            case "batch" -> batch;
            case "deep-dns" -> deepDns;
            case "rogue" -> rogue;
            case "expired" -> expired;
            case "none" -> null;
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static RawHttpClient.Response get(String listener, TestPki.Leaf cert, String path) throws Exception {
        // a JDK client only offers a certificate whose issuer the server named; curl offers its own whatever the CA
        SSLContext context =
                cert == rogue ? PresentingClient.context(fx.serverCa.certFile(), cert) : fx.clientContext(cert);
        try (RawHttpClient c = RawHttpClient.connectTls(proxy.port(listener), context, "localhost")) {
            return c.get("localhost", path);
        }
    }

    private static double denials(String route, String mode) {
        Counter c = metrics.registry()
                .find("mtls_proxy_identity_denials")
                .tag("route", route)
                .tag("mode", mode)
                .counter();
        return c == null ? 0 : c.count();
    }

    @ParameterizedTest(name = "{0} on /{1}: {2}")
    @CsvSource({
        // subject DN: compared as a name (attribute case, spacing and RDN order don't matter)
        "batch, subject, 200",
        "checkout, subject, 403",
        // DNS SAN wildcard: exactly one label
        "batch, dns, 200",
        "deep-dns, dns, 403",
        "checkout, dns, 403",
        // exact SPIFFE ID
        "checkout, uri-exact, 200",
        "evil, uri-exact, 403",
        // SPIFFE prefix .../ns/prod/*: below the segment only, never a sibling with the same leading characters
        "checkout, uri-prefix, 200",
        "evil, uri-prefix, 403",
        "prod-itself, uri-prefix, 403",
        "dot-dot, uri-prefix, 403",
        // SHA-256 fingerprint, written upper case with colons
        "batch, sha256, 200",
        "checkout, sha256, 403",
        // empty allow-list + require: any verified certificate
        "checkout, any, 200",
        "evil, any, 200",
    })
    void allowListsAdmitOrDeny(String client, String route, int status) throws Exception {
        String routeName = route.equals("any") ? "any-verified" : route;
        double before = denials(routeName, "enforce");
        RawHttpClient.Response r = get("mtls", leaf(client), "/" + route + "/x");
        assertEquals(status, r.status(), r::toString);
        if (status == 403) {
            assertTrue(r.text().contains("not allowed on this route"), r.text());
            assertEquals(before + 1, denials(routeName, "enforce"));
        } else {
            assertEquals("/" + route + "/x", Echo.parse(r.text()).uri());
        }
    }

    @Test
    void reportOnlyLetsTheRequestPassButCountsAndLogsTheDenial() throws Exception {
        double before = denials("report", "report-only");
        RawHttpClient.Response r = get("mtls", checkout, "/report/x");
        assertEquals(200, r.status(), r::toString);
        assertEquals(before + 1, denials("report", "report-only"));
        AccessLogEntry entry = accessLog.stream()
                .filter(e -> e.route().equals("report"))
                .reduce((a, b) -> b)
                .orElseThrow();
        assertEquals(200, entry.status());
        assertTrue(
                entry.reason().startsWith("report-only: ") && entry.reason().contains("not allowed"), entry.reason());
        assertEquals(0.0, denials("report", "enforce"));
    }

    @ParameterizedTest(name = "optional client auth: {0} on /{1}: {2}")
    @CsvSource({
        "none, need, 496", "rogue, need, 495", "expired, need, 495", "checkout, need, 200",
        "none, allow, 496", "rogue, allow, 495", "evil, allow, 403", "checkout, allow, 200",
        "none, open, 200", "rogue, open, 200", "expired, open, 200",
    })
    void optionalClientAuthAnswers495And496WhereAnIdentityIsNeeded(String client, String route, int status)
            throws Exception {
        RawHttpClient.Response r = get("optional", leaf(client), "/" + route + "/x");
        assertEquals(status, r.status(), r::toString);
        switch (status) {
            case 496 -> assertTrue(r.text().contains("requires a client certificate"), r.text());
            case 495 -> assertTrue(r.text().contains("failed verification"), r.text());
            default -> {}
        }
        if (status == 200) {
            String xfcc = Echo.parse(r.text()).header("X-Forwarded-Client-Cert");
            if (client.equals("checkout")) {
                assertNotNull(xfcc);
            } else {
                assertNull(xfcc, "a certificate that failed verification is never forwarded as an identity");
            }
        }
    }

    @Test
    void hostNamingAnotherServerThanTheSniIs421() throws Exception {
        int port = proxy.port("mtls");
        try (RawHttpClient c = RawHttpClient.connectTls(port, fx.clientContext(checkout), "api.example.com")) {
            RawHttpClient.Response r = c.get("other.example.com", "/any/x");
            assertEquals(421, r.status(), r::toString);
            assertTrue(r.text().contains("does not match the TLS server name api.example.com"), r.text());
            assertEquals(200, c.get("API.Example.com:8443", "/any/x").status(), "case and port don't matter");
        }
    }

    @Test
    void withoutTheHostCheckOrWithoutSniThereIsNo421() throws Exception {
        try (RawHttpClient c =
                RawHttpClient.connectTls(proxy.port("no-host-check"), fx.clientContext(checkout), "api.example.com")) {
            assertEquals(200, c.get("other.example.com", "/x").status());
        }
        // as nginx: a client that sent no SNI has no server name to contradict
        try (RawHttpClient c = RawHttpClient.connectTls(proxy.port("mtls"), fx.clientContext(checkout), null)) {
            assertEquals(200, c.get("other.example.com", "/any/x").status());
        }
    }
}
