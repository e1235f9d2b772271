package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.AllowList;
import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.ClientIdentity;
import io.mtlsproxy.config.ForwardClientCert;
import io.mtlsproxy.config.IdentityMode;
import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.core.metrics.AccessLogEntry;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.Echo;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestConfigs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What reaches the origin, and what the proxy answers itself: headers, framing, limits, policies. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ForwardingTest {
    static final String SPOOF = "X-Forwarded-For: 6.6.6.6\r\n"
            + "X-Forwarded-Proto: gopher\r\n"
            + "X-Forwarded-Host: evil.example\r\n"
            + "X-Forwarded-Client-Cert: Hash=evil;Subject=\"CN=admin\"\r\n"
            + "X_Forwarded_For: 7.7.7.7\r\n"
            + "x-forwarded_client_cert: Hash=evil2\r\n"
            + "Connection: X-Forwarded-For, X-Forwarded-Client-Cert\r\n";

    @TempDir
    static Path dir;

    static ProxyFixture fx;
    static ProxyServer proxy;
    static ProxyMetrics metrics = ProxyMetrics.inMemory();
    static final Queue<AccessLogEntry> LOGGED = new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void start() throws Exception {
        fx = new ProxyFixture(dir);
        var limits = TestConfigs.limits(1024 * 1024, 4096, Duration.ofMillis(500), Duration.ofSeconds(5));
        int origin = fx.plainOrigin.port();
        List<RouteConfig> routes = new java.util.ArrayList<>();
        for (String l : List.of("plain", "mtls")) {
            routes.add(TestConfigs.route(l + "-sanitize", l)
                    .prefix("/sanitize")
                    .endpoint(origin)
                    .forward(ForwardClientCert.SANITIZE)
                    .build());
            routes.add(TestConfigs.route(l + "-set", l)
                    .prefix("/set")
                    .endpoint(origin)
                    .forward(ForwardClientCert.SANITIZE_SET)
                    .build());
            routes.add(TestConfigs.route(l + "-append", l)
                    .prefix("/append")
                    .endpoint(origin)
                    .forward(ForwardClientCert.APPEND_FORWARD)
                    .build());
            routes.add(TestConfigs.route(l + "-any", l)
                    .prefix("/")
                    .endpoint(origin)
                    .build());
        }
        routes.add(TestConfigs.route("deny", "mtls")
                .prefix("/deny")
                .endpoint(origin)
                .identity(new ClientIdentity(
                        false,
                        IdentityMode.ENFORCE,
                        new AllowList(List.of("CN=someone-else"), List.of(), List.of(), List.of())))
                .build());
        routes.add(TestConfigs.route("open", "optional")
                .prefix("/open")
                .endpoint(origin)
                .build());
        routes.add(TestConfigs.route("api", "plain")
                .host("api.example.com")
                .prefix("/a")
                .endpoint(origin)
                .build());
        ClientIdentity required = new ClientIdentity(true, IdentityMode.ENFORCE, AllowList.ANY);
        ClientIdentity reportOnly = new ClientIdentity(true, IdentityMode.REPORT_ONLY, AllowList.ANY);
        routes.add(TestConfigs.route("need", "optional")
                .prefix("/need")
                .endpoint(origin)
                .identity(required)
                .build());
        routes.add(TestConfigs.route("report", "optional")
                .prefix("/report")
                .endpoint(origin)
                .identity(reportOnly)
                .build());
        proxy = fx.start(
                ProxyServer.builder().metrics(metrics).accessLog(LOGGED::add),
                List.of(
                        TestConfigs.listener("plain", ListenerTls.plain(), limits),
                        TestConfigs.listener(
                                "mtls",
                                TestConfigs.mtls(fx.proxyServer, fx.clientCa.certFile(), ClientAuth.REQUIRED, true),
                                limits),
                        TestConfigs.listener(
                                "optional",
                                TestConfigs.mtls(fx.proxyServer, fx.clientCa.certFile(), ClientAuth.OPTIONAL, true),
                                limits)),
                routes);
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    private static RawHttpClient client(String listener) throws Exception {
        return fx.connect(proxy, listener, listener.equals("mtls") ? fx.client : null);
    }

    private static Echo spoofed(String listener, String path) throws Exception {
        try (RawHttpClient c = client(listener)) {
            RawHttpClient.Response r = c.send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n" + SPOOF + "\r\n")
                    .read();
            assertEquals(200, r.status(), r::text);
            Echo e = Echo.parse(r.text());
            assertEquals(
                    0,
                    e.headerNames().stream().filter(n -> n.contains("_")).count(),
                    "underscore variants dropped: " + e.headerNames());
            assertEquals(1, e.count("X-Forwarded-For"));
            assertEquals(listener.equals("plain") ? "http" : "https", e.header("X-Forwarded-Proto"));
            assertEquals("localhost", e.header("X-Forwarded-Host"));
            return e;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "mtls"})
    void sanitizeDropsEveryClientForwardedHeader(String listener) throws Exception {
        Echo e = spoofed(listener, "/sanitize");
        assertEquals("127.0.0.1", e.header("X-Forwarded-For"));
        assertNull(e.header("X-Forwarded-Client-Cert"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "mtls"})
    void sanitizeSetReplacesTheClientCertHeaderWithTheProxys(String listener) throws Exception {
        Echo e = spoofed(listener, "/set");
        assertEquals("127.0.0.1", e.header("X-Forwarded-For"));
        String xfcc = e.header("X-Forwarded-Client-Cert");
        if (listener.equals("plain")) {
            assertNull(xfcc);
        } else {
            assertTrue(
                    xfcc.startsWith("Hash=") && xfcc.contains(";Subject=\"CN=client-a") && !xfcc.contains("evil"),
                    xfcc);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "mtls"})
    void appendForwardKeepsTheIncomingValuesAndAppends(String listener) throws Exception {
        Echo e = spoofed(listener, "/append");
        assertEquals("6.6.6.6, 127.0.0.1", e.header("X-Forwarded-For"));
        String xfcc = e.header("X-Forwarded-Client-Cert");
        if (listener.equals("plain")) {
            assertEquals("Hash=evil;Subject=\"CN=admin\"", xfcc);
        } else {
            assertTrue(xfcc.startsWith("Hash=evil;Subject=\"CN=admin\",Hash="), xfcc);
            assertTrue(xfcc.contains("Subject=\"CN=client-a"), xfcc);
        }
    }

    @Test
    void hostPathAndQueryReachTheOriginUnchanged() throws Exception {
        try (RawHttpClient c = client("plain")) {
            String target = "/any/a%20b/c;p=1?x=1&y=%2F&z/../."; // dot-segments in a path are refused (security.md)
            RawHttpClient.Response r = c.get("LocalHost:8080", target);
            Echo e = Echo.parse(r.text());
            assertEquals(target, e.uri());
            assertEquals("LocalHost:8080", e.header("Host"));
            assertEquals("LocalHost:8080", e.header("X-Forwarded-Host"));
            assertEquals("HTTP/1.1", e.fields().get("version"));
        }
    }

    @Test
    void hopByHopHeadersAreRemovedBothNamedAndNominated() throws Exception {
        try (RawHttpClient c = client("plain")) {
            RawHttpClient.Response r = c.send("GET /any HTTP/1.1\r\nHost: localhost\r\n"
                            + "Connection: keep-alive, X-Hop, Host, Content-Length\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n"
                            + "Upgrade: example/1\r\nProxy-Authorization: Basic eA==\r\nProxy-Connection: keep-alive\r\n"
                            + "X-Hop: 1\r\nX-Keep: 2\r\n\r\n")
                    .read();
            Echo e = Echo.parse(r.text());
            assertEquals("2", e.header("X-Keep"));
            for (String gone : List.of(
                    "Connection", "Keep-Alive", "TE", "Upgrade", "Proxy-Authorization", "Proxy-Connection", "X-Hop")) {
                assertNull(e.header(gone), gone);
            }
            assertEquals("localhost", e.header("Host"));
        }
    }

    @Test
    void noRouteIs404AndTheConnectionStaysUsable() throws Exception {
        try (RawHttpClient c = client("plain")) {
            RawHttpClient.Response r = c.get("api.example.com", "/elsewhere");
            assertEquals(404, r.status());
            assertEquals("text/plain; charset=utf-8", r.header("Content-Type"));
            assertTrue(r.text().startsWith("no route for api.example.com/elsewhere"), r.text());
            assertEquals(200, c.get("API.example.com:80", "/a/1").status());
        }
    }

    @Test
    void malformedRequestsAre400AndClosed() throws Exception {
        for (String bad : List.of(
                "GET /any HTTP/1.1\r\n\r\n",
                "GET /any HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                "GET /any HTTP/1.1\r\nHost: user@localhost\r\n\r\n",
                "GET /any HTTP/1.1\r\nHost: localhost:99999\r\n\r\n",
                "POST /any HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "0\r\n\r\n",
                "GET /any HTTP/1.1\r\nHost: localhost\r\nX-Bad: a\0b\r\n\r\n",
                "GET any HTTP/1.1\r\nHost: localhost\r\n\r\n")) {
            try (RawHttpClient c = client("plain")) {
                RawHttpClient.Response r = c.send(bad).read();
                assertEquals(400, r.status(), bad);
                assertEquals("close", r.header("Connection"));
                assertTrue(c.awaitClosed(), "closed after 400: " + bad);
            }
        }
    }

    @Test
    void declaredBodyOverTheLimitIs413BeforeForwarding() throws Exception {
        int before = fx.plainOrigin.requests();
        try (RawHttpClient c = client("plain")) {
            RawHttpClient.Response r = c.send("POST /any HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2000000\r\n"
                            + "Expect: 100-continue\r\n\r\n")
                    .read();
            assertEquals(413, r.status());
            assertEquals("close", r.header("Connection"));
        }
        assertEquals(before, fx.plainOrigin.requests());
    }

    @Test
    void streamedBodyCrossingTheLimitIsCutOff() throws Exception {
        try (RawHttpClient c = client("plain")) {
            c.send("POST /any HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n");
            byte[] chunk = new byte[64 * 1024];
            String size = Integer.toHexString(chunk.length) + "\r\n";
            RawHttpClient.Response r = null;
            try {
                for (int i = 0; i < 20; i++) {
                    c.send(size).send(chunk).send("\r\n");
                }
                c.send("0\r\n\r\n");
                r = c.read();
            } catch (java.io.IOException cutOff) {
                // the proxy may close before the client finishes writing: that is a cut-off too
            }
            if (r != null) {
                assertEquals(413, r.status());
                assertEquals("close", r.header("Connection"));
            }
            assertTrue(c.awaitClosed());
        }
    }

    @Test
    void oversizedHeadersAre431() throws Exception {
        try (RawHttpClient c = client("plain")) {
            RawHttpClient.Response r = c.send(
                            "GET /any HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "a".repeat(8000) + "\r\n\r\n")
                    .read();
            assertEquals(431, r.status());
            assertTrue(c.awaitClosed());
        }
    }

    @Test
    void slowHeadersAre408AndClosed() throws Exception {
        try (RawHttpClient c = client("plain")) {
            c.send("GET /any HTTP/1.1\r\nHost: local");
            RawHttpClient.Response r = c.read();
            assertEquals(408, r.status());
            assertTrue(c.awaitClosed());
        }
    }

    @Test
    void expectContinueIsAnsweredByTheProxyOnceTheOriginIsReachable() throws Exception {
        try (RawHttpClient c = client("plain")) {
            RawHttpClient.Response interim = c.send("PUT /any HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
                            + "Expect: 100-continue\r\n\r\n")
                    .read();
            assertEquals(100, interim.status());
            RawHttpClient.Response r = c.send("hello").read();
            assertEquals(200, r.status());
            Echo e = Echo.parse(r.text());
            assertEquals("5", e.fields().get("body"));
            assertNull(e.header("Expect"));
        }
    }

    @Test
    void hostNamingAnotherServerThanTheSniIs421() throws Exception {
        try (RawHttpClient c = client("mtls")) {
            assertEquals(421, c.get("api.example.com", "/any").status());
            assertEquals(200, c.get("LOCALHOST:8443", "/any").status());
        }
    }

    @Test
    void routeRequiringACertificateIs496WithoutOneAndReportOnlyPasses() throws Exception {
        try (RawHttpClient c = fx.connect(proxy, "optional", null)) {
            RawHttpClient.Response r = c.get("localhost", "/need");
            assertEquals(496, r.status());
            assertTrue(r.text().contains("requires a client certificate"), r.text());
            assertEquals(200, c.get("localhost", "/report").status());
        }
        assertEquals(
                1.0,
                metrics.registry()
                        .get("mtls_proxy_identity_denials")
                        .tag("route", "report")
                        .tag("mode", "report-only")
                        .counter()
                        .count());
        assertEquals(
                1.0,
                metrics.registry()
                        .get("mtls_proxy_identity_denials")
                        .tag("route", "need")
                        .tag("mode", "enforce")
                        .counter()
                        .count());
    }

    @Test
    void certificateNotOnTheAllowListIs403() throws Exception {
        try (RawHttpClient c = client("mtls")) {
            RawHttpClient.Response r = c.get("localhost", "/deny");
            assertEquals(403, r.status());
            assertTrue(r.text().contains("not allowed"), r.text());
            assertEquals(200, c.get("localhost", "/any").status(), "a 403 keeps the connection");
        }
    }

    @Test
    void certificateThatFailedVerificationIs495WhereAnIdentityIsNeeded() throws Exception {
        try (RawHttpClient c = RawHttpClient.connectTls(
                proxy.port("optional"),
                io.mtlsproxy.core.testing.TestTls.client(fx.serverCa.certFile(), fx.proxyIdCa.client("stranger"), true),
                "localhost")) {
            assertEquals(495, c.get("localhost", "/need").status());
            RawHttpClient.Response open = c.get("localhost", "/open");
            assertEquals(200, open.status(), "a route that needs no identity admits the client as anonymous");
            assertNull(
                    Echo.parse(open.text()).header("X-Forwarded-Client-Cert"),
                    "an unverified cert is never " + "forwarded");
        }
    }

    private static AccessLogEntry logged(String path) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2); // written just after the last byte
        while (System.nanoTime() < deadline) {
            for (AccessLogEntry e : LOGGED) {
                if (e.path().equals(path)) {
                    return e;
                }
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no access log entry for " + path);
    }

    @Test
    void everyRequestIsLoggedWithItsIdentityOrTheReasonOfTheProxysAnswer() throws Exception {
        try (RawHttpClient c = client("mtls")) {
            assertEquals(200, c.get("localhost", "/any/logged?token=secret").status());
        }
        AccessLogEntry ok = logged("/any/logged");
        assertEquals("mtls", ok.listener());
        assertEquals("mtls-any", ok.route());
        assertEquals(200, ok.status());
        assertEquals("GET", ok.method());
        assertEquals("127.0.0.1", ok.remoteAddress());
        assertEquals("127.0.0.1:" + fx.plainOrigin.port(), ok.upstreamEndpoint());
        assertTrue(ok.clientSubject().startsWith("CN=client-a"), ok.clientSubject());
        assertEquals(List.of("spiffe://example.org/ns/prod/sa/checkout"), ok.clientUriSans());
        assertEquals(64, ok.clientSha256().length());
        assertTrue(ok.bytesOut() > 0);
        assertNull(ok.reason());

        try (RawHttpClient c = client("plain")) {
            assertEquals(404, c.get("api.example.com", "/logged-404").status());
        }
        AccessLogEntry notFound = logged("/logged-404");
        assertEquals("-", notFound.route());
        assertEquals(404, notFound.status());
        assertEquals("no route for api.example.com/logged-404", notFound.reason());
        assertEquals(
                "no route for api.example.com/logged-404\n".length(),
                notFound.bytesOut(),
                "the proxy's own answer counts its body, as a relayed one does");
        assertNull(notFound.clientSubject());
        assertTrue(metrics.registry()
                        .get("mtls_proxy_requests")
                        .tag("listener", "plain")
                        .tag("route", "-")
                        .tag("status", "404")
                        .counter()
                        .count()
                >= 1);
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (RawHttpClient c = client("plain")) {
            c.send("GET /any/1 HTTP/1.1\r\nHost: localhost\r\n\r\nGET /any/2 HTTP/1.1\r\nHost: localhost\r\n\r\n"
                    + "GET /nowhere HTTP/1.1\r\nHost: api.example.com\r\n\r\n"
                    + "GET /any/3 HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertEquals("/any/1", Echo.parse(c.read().text()).uri());
            assertEquals("/any/2", Echo.parse(c.read().text()).uri());
            assertEquals(404, c.read().status());
            assertEquals("/any/3", Echo.parse(c.read().text()).uri());
        }
    }

    @Test
    void headResponsesCarryNoBody() throws Exception {
        try (RawHttpClient c = client("plain")) {
            RawHttpClient.Response r =
                    c.send("HEAD /any HTTP/1.1\r\nHost: localhost\r\n\r\n").read(true);
            assertEquals(200, r.status());
            assertTrue(Integer.parseInt(r.header("Content-Length")) > 0);
            assertEquals(200, c.get("localhost", "/any").status(), "the stream is still in step");
        }
    }

    @Test
    void http10ClientGetsItsResponseAndTheConnectionCloses() throws Exception {
        try (RawHttpClient c = client("plain")) {
            RawHttpClient.Response r =
                    c.send("GET /any HTTP/1.0\r\nHost: localhost\r\n\r\n").read();
            assertEquals(200, r.status());
            assertEquals("HTTP/1.1", Echo.parse(r.text()).fields().get("version"));
            assertTrue(c.awaitClosed());
        }
    }

    @Test
    void chunkedRequestBodyIsForwardedChunked() throws Exception {
        try (RawHttpClient c = client("plain")) {
            RawHttpClient.Response r = c.send("POST /any HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
                            + "\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
                    .read();
            Echo e = Echo.parse(r.text());
            assertEquals("11", e.fields().get("body"));
            assertEquals("chunked", e.header("Transfer-Encoding"));
            assertFalse(e.headerNames().contains("Content-Length"));
        }
    }
}
