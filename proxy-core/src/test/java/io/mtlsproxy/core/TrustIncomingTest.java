package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ConfigLoader;
import io.mtlsproxy.core.metrics.AccessLogEntry;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.CapturingAccessLog;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.RecordingOrigin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code request-id.trust-incoming} end to end: two proxies from HOCON, one that trusts its clients' request IDs and
 * one that does not (the default), in front of one recording origin, driven over HTTP/1.1 and HTTP/2 by real
 * clients. The untrusting proxy replaces a client's X-Request-Id with its own; the trusting one keeps a well-formed
 * one and still replaces a malformed one. Either way the origin, the client and the access log see the same ID, and
 * trace context and forwarded headers do not depend on the setting: the caller's trace goes on under the proxy's
 * span, and the client's X-Forwarded-For is replaced.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TrustIncomingTest {
    private static final Pattern UUID = RequestRulesProxyTest.UUID;
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CALLER_SPAN = "00f067aa0ba902b7";
    private static final String CLIENT_ID = "lb-5f1c2e/req-000042";

    @TempDir
    static Path dir;

    static ProxyFixture fx;
    static RecordingOrigin origin;
    static final CapturingAccessLog log = new CapturingAccessLog();
    static ProxyServer untrusting;
    static ProxyServer trusting;

    @BeforeAll
    static void start() throws Exception {
        fx = new ProxyFixture(dir);
        origin = fx.closeLater(RecordingOrigin.start());
        untrusting = start("untrusting", "");
        trusting = start("trusting", "request-id { trust-incoming = true }");
    }

    private static ProxyServer start(String name, String requestId) throws Exception {
        ProxyServer proxy = ProxyServer.builder()
                .metrics(ProxyMetrics.inMemory())
                .accessLog(log)
                .build();
        fx.closeLater(proxy);
        proxy.start(ConfigLoader.parse(
                fx.mtlsListenerHocon("edge") + """
                routes = [{ name = %s, listener = edge, match.path-prefix = "/api"
                            upstream.endpoints = ["127.0.0.1:%d"] }]
                %s
                """.formatted(name, origin.port(), requestId),
                dir.resolve(name + ".conf")));
        return proxy;
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @BeforeEach
    void clear() {
        origin.clear();
    }

    @ParameterizedTest(name = "{0} over HTTP/{1}")
    @CsvSource({"untrusting,1.1", "untrusting,2", "trusting,1.1", "trusting,2"})
    void aClientsRequestIdIsKeptOnlyWhenTrusted(String proxyName, String http) throws Exception {
        boolean trusted = proxyName.equals("trusting");
        ProxyServer proxy = trusted ? trusting : untrusting;
        Map<String, String> returned = send(proxy, http, "/api/orders", CLIENT_ID);

        assertEquals("200", returned.get(":status"));
        RecordingOrigin.Recorded seen = origin.requests().get(0);
        String id = seen.header("X-Request-Id");
        if (trusted) {
            assertEquals(CLIENT_ID, id, "a trusted hop's ID is kept");
        } else {
            assertTrue(UUID.matcher(id).matches(), "the proxy's own ID, not the client's: " + id);
        }
        assertEquals(List.of(id), seen.all("X-Request-Id"), "one ID reaches the origin");
        assertEquals(id, returned.get("x-request-id"), "the client gets the ID the origin got");
        assertEquals(
                id,
                log.await(e -> proxyName.equals(e.route()) && id.equals(e.requestId()))
                        .requestId(),
                "and the log");

        String parent = seen.header("traceparent");
        assertEquals(TRACE, parent.substring(3, 35), "the caller's trace goes on, trusted or not: " + parent);
        assertNotEquals(CALLER_SPAN, parent.substring(36, 52), "under the proxy's own span");
        assertEquals("vendor=abc", seen.header("tracestate"));
        assertEquals(List.of("127.0.0.1"), seen.all("X-Forwarded-For"), "the client's X-Forwarded-For is never kept");
    }

    @ParameterizedTest(name = "over HTTP/{0}")
    @CsvSource({"1.1", "2"})
    void aTrustingProxyStillReplacesAMalformedId(String http) throws Exception {
        String tooLong = "x".repeat(129);
        Map<String, String> returned = send(trusting, http, "/api/long", tooLong);
        String id = origin.requests().get(0).header("X-Request-Id");
        assertTrue(UUID.matcher(id).matches(), "over 128 characters: replaced, " + id);
        assertEquals(id, returned.get("x-request-id"));
    }

    @Test
    void theProxysOwnAnswersCarryTheTrustedId() throws Exception {
        Map<String, String> trusted = send(trusting, "1.1", "/nowhere", CLIENT_ID);
        assertEquals("404", trusted.get(":status"));
        assertEquals(CLIENT_ID, trusted.get("x-request-id"));
        AccessLogEntry e = log.await(x -> x.status() == 404);
        assertEquals(CLIENT_ID, e.requestId());

        Map<String, String> untrusted = send(untrusting, "2", "/nowhere", CLIENT_ID);
        assertEquals("404", untrusted.get(":status"));
        assertTrue(UUID.matcher(untrusted.get("x-request-id")).matches(), untrusted.get("x-request-id"));
        assertTrue(origin.requests().isEmpty());
    }

    /**
     * One GET with the client's request ID, trace context and a forged X-Forwarded-For; returns the response's
     * status (as {@code :status}) and X-Request-Id.
     */
    private static Map<String, String> send(ProxyServer proxy, String http, String path, String requestId)
            throws Exception {
        String traceparent = "00-" + TRACE + "-" + CALLER_SPAN + "-01";
        if (http.equals("2")) {
            HttpClient client = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_2)
                    .sslContext(fx.clientContext(fx.client))
                    .build();
            HttpResponse<String> r = client.send(
                    HttpRequest.newBuilder(URI.create("https://localhost:" + proxy.port("edge") + path))
                            .header("X-Request-Id", requestId)
                            .header("traceparent", traceparent)
                            .header("tracestate", "vendor=abc")
                            .header("X-Forwarded-For", "203.0.113.9")
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(HttpClient.Version.HTTP_2, r.version());
            return Map.of(
                    ":status",
                    String.valueOf(r.statusCode()),
                    "x-request-id",
                    r.headers().firstValue("x-request-id").orElse(""));
        }
        try (RawHttpClient c = RawHttpClient.connectTls(proxy.port("edge"), fx.clientContext(fx.client), "localhost")) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nX-Request-Id: " + requestId + "\r\n"
                    + "traceparent: " + traceparent + "\r\ntracestate: vendor=abc\r\n"
                    + "X-Forwarded-For: 203.0.113.9\r\n\r\n");
            RawHttpClient.Response r = c.read();
            return Map.of(
                    ":status", String.valueOf(r.status()), "x-request-id", String.valueOf(r.header("X-Request-Id")));
        }
    }
}
