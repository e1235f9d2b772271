package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.mtlsproxy.config.ConfigLoader;
import io.mtlsproxy.core.metrics.AccessLogEntry;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.CapturingAccessLog;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.RecordingOrigin;
import io.mtlsproxy.core.testing.TestPki;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A route's request rules through a running mTLS proxy, configured from HOCON, against a real origin: the origin
 * gets a request ID, the proxy's span in traceparent, the client's SPIFFE ID as a header and the rewritten path; the
 * client gets the response header rules and the same request ID, over HTTP/1.1 and HTTP/2 alike; a rate limit per
 * SPIFFE ID answers 429 with Retry-After to one client while another goes on; the access log has the new fields.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RequestRulesProxyTest {
    /** A request ID the proxy made: a random UUID, version 4 layout. */
    static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

    private static final Pattern TRACEPARENT = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})");
    private static final String CHECKOUT = "spiffe://example.org/ns/prod/sa/checkout";
    private static final String BILLING = "spiffe://example.org/ns/prod/sa/billing";

    @TempDir
    static Path dir;

    static ProxyFixture fx;
    static RecordingOrigin origin;
    static ProxyServer proxy;
    static ProxyMetrics metrics;
    static CapturingAccessLog log;
    static TestPki.Leaf billing;

    @BeforeAll
    static void start() throws Exception {
        fx = new ProxyFixture(dir);
        origin = fx.closeLater(RecordingOrigin.start());
        billing = fx.clientCa.client("client-b", BILLING);
        metrics = ProxyMetrics.inMemory();
        log = new CapturingAccessLog();
        proxy = ProxyServer.builder().metrics(metrics).accessLog(log).build();
        fx.closeLater(proxy);
        proxy.start(ConfigLoader.parse(
                fx.mtlsListenerHocon("edge") + """
                routes = [
                  { name = api, listener = edge, match.path-prefix = "/api"
                    upstream.endpoints = ["127.0.0.1:%d"]
                    headers {
                      request  { set { "X-Client-Spiffe-Id" = "%%{client.uri-san}" }, remove = ["X-Debug"] }
                      response { set { "Strict-Transport-Security" = "max-age=31536000" }
                                 add { "X-Served-For" = "req %%{request.id}" }, remove = ["Content-Type"] }
                    }
                    rewrite { strip-prefix = "/api", replace-prefix = "/v2" }
                  }
                  { name = limited, listener = edge, match.path-prefix = "/limited"
                    upstream.endpoints = ["127.0.0.1:%d"]
                    rate-limit { key = client-identity, rate = 1, per = 1m, burst = 2 }
                  }
                ]
                """.formatted(origin.port(), origin.port()), dir.resolve("proxy.conf")));
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @BeforeEach
    void clear() {
        origin.clear();
    }

    private static RawHttpClient connect(TestPki.Leaf client) throws Exception {
        return RawHttpClient.connectTls(proxy.port("edge"), fx.clientContext(client), "localhost");
    }

    @Test
    void originSeesRequestIdProxySpanAndIdentityAndClientSeesResponseRules() throws Exception {
        String incomingTrace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        RawHttpClient.Response r;
        try (RawHttpClient c = connect(fx.client)) {
            c.send("GET /api/orders/7?x=1 HTTP/1.1\r\nHost: localhost\r\nUser-Agent: rules-test/1\r\n"
                    + "X-Request-Id: forged-by-client\r\nX-Debug: 1\r\nX-Client-Spiffe-Id: spiffe://evil/x\r\n"
                    + "traceparent: " + incomingTrace + "\r\ntracestate: vendor=abc\r\n\r\n");
            r = c.read();
        }
        assertEquals(200, r.status(), r.text());
        RecordingOrigin.Recorded seen = origin.requests().get(0);
        assertEquals("/v2/orders/7?x=1", seen.uri(), "strip-prefix /api replaced by /v2");
        assertEquals(List.of(CHECKOUT), seen.all("X-Client-Spiffe-Id"), "the verified identity, not the client's");
        assertNull(seen.header("X-Debug"));

        String id = seen.header("X-Request-Id");
        assertTrue(UUID.matcher(id).matches(), "generated, the client's is not trusted: " + id);
        assertEquals(id, r.header("X-Request-Id"), "the client gets the ID the origin got");

        var tp = TRACEPARENT.matcher(seen.header("traceparent"));
        assertTrue(tp.matches(), seen.header("traceparent"));
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", tp.group(1), "the caller's trace");
        assertNotEquals("00f067aa0ba902b7", tp.group(2), "the proxy's own span is the origin's parent");
        assertEquals("01", tp.group(3));
        assertEquals("vendor=abc", seen.header("tracestate"));

        assertEquals("max-age=31536000", r.header("Strict-Transport-Security"));
        assertEquals("req " + id, r.header("X-Served-For"));
        assertNull(r.header("Content-Type"), "removed by the response rule");

        AccessLogEntry e = log.await(x -> id.equals(x.requestId()));
        assertEquals("rules-test/1", e.userAgent());
        assertEquals("localhost", e.sni());
        assertTrue(e.tlsVersion().startsWith("TLSv1."), e.tlsVersion());
        assertNotNull(e.cipher());
        assertTrue(e.upstreamConnectMicros() >= 0 && e.upstreamResponseMicros() >= 0, e::toString);
        assertEquals(0, e.retries());
        assertEquals(List.of(CHECKOUT), e.clientUriSans());
    }

    @Test
    void aRequestWithoutTraceContextStartsATrace() throws Exception {
        try (RawHttpClient c = connect(fx.client)) {
            c.send("GET /api/a HTTP/1.1\r\nHost: localhost\r\ntracestate: orphan=1\r\n"
                    + "traceparent: 00-00000000000000000000000000000000-00f067aa0ba902b7-01\r\n\r\n");
            assertEquals(200, c.read().status());
            assertEquals(200, c.get("localhost", "/api/b").status());
        }
        List<RecordingOrigin.Recorded> seen = origin.requests();
        String invalid = seen.get(0).header("traceparent");
        String absent = seen.get(1).header("traceparent");
        assertTrue(TRACEPARENT.matcher(invalid).matches()
                && TRACEPARENT.matcher(absent).matches());
        assertNotEquals(invalid.substring(3, 35), absent.substring(3, 35), "a new trace each");
        assertNotEquals("00000000000000000000000000000000", invalid.substring(3, 35));
        assertNull(seen.get(0).header("tracestate"), "no tracestate without a valid traceparent");
        assertNotEquals(seen.get(0).header("X-Request-Id"), seen.get(1).header("X-Request-Id"));
    }

    @Test
    void http2RequestsGetTheSame() throws Exception {
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .sslContext(fx.clientContext(fx.client))
                .build();
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("https://localhost:" + proxy.port("edge") + "/api/h2"))
                        .header("X-Debug", "1")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(HttpClient.Version.HTTP_2, r.version());
        RecordingOrigin.Recorded seen = origin.requests().get(0);
        assertEquals("/v2/h2", seen.uri());
        assertEquals(CHECKOUT, seen.header("X-Client-Spiffe-Id"));
        assertNull(seen.header("X-Debug"));
        assertTrue(TRACEPARENT.matcher(seen.header("traceparent")).matches());
        String id = seen.header("X-Request-Id");
        assertTrue(UUID.matcher(id).matches(), id);
        assertEquals(id, r.headers().firstValue("x-request-id").orElse(null));
        assertEquals(
                "max-age=31536000",
                r.headers().firstValue("strict-transport-security").orElse(null));
        assertEquals("req " + id, r.headers().firstValue("x-served-for").orElse(null));
        assertTrue(r.headers().firstValue("content-type").isEmpty());
    }

    @Test
    void rateLimitPerSpiffeIdRefusesOneClientAndLeavesTheOther() throws Exception {
        try (RawHttpClient checkout = connect(fx.client);
                RawHttpClient other = connect(billing)) {
            assertEquals(200, checkout.get("localhost", "/limited/1").status());
            assertEquals(200, checkout.get("localhost", "/limited/2").status(), "burst = 2");
            RawHttpClient.Response refused = checkout.get("localhost", "/limited/3");
            assertEquals(429, refused.status(), refused.text());
            long retryAfter = Long.parseLong(refused.header("Retry-After"));
            assertTrue(retryAfter >= 1 && retryAfter <= 60, "one token a minute: " + retryAfter);
            assertTrue(UUID.matcher(refused.header("X-Request-Id")).matches(), "the proxy's own answers too");
            assertEquals(200, other.get("localhost", "/limited/1").status(), "another SPIFFE ID: its own bucket");
            assertEquals(200, other.get("localhost", "/limited/2").status());
            assertEquals(429, checkout.get("localhost", "/limited/4").status(), "still out of tokens");
        }
        try (RawHttpClient again = connect(fx.client)) {
            assertEquals(429, again.get("localhost", "/limited/5").status(), "a new connection is the same client");
        }
        assertEquals(4, origin.requests().size(), "refused requests never reach the origin");
        assertEquals(4.0, rateLimit("allowed"));
        assertEquals(3.0, rateLimit("limited"));
        AccessLogEntry e = log.await(x -> x.status() == 429);
        assertEquals("limited", e.route());
        assertTrue(e.reason().contains("rate limit"), e.reason());

        // a reload of the very same configuration keeps unchanged routes whole, but starts limits with full buckets
        assertTrue(proxy.reload(proxy.snapshot().config()).ok());
        try (RawHttpClient again = connect(fx.client)) {
            assertEquals(200, again.get("localhost", "/limited/6").status(), "a reload refills the buckets");
        }
    }

    private static double rateLimit(String result) {
        Counter c = metrics.registry()
                .find("mtls_proxy_rate_limit_requests")
                .tag("route", "limited")
                .tag("result", result)
                .counter();
        return c == null ? 0 : c.count();
    }
}
