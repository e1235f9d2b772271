package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mtlsproxy.config.ConfigLoader;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.FaultyOrigin;
import io.mtlsproxy.core.testing.LeakGuard;
import io.mtlsproxy.core.testing.RawHttpClient;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests with a body retried from the copy the proxy keeps up to {@code retries.buffer-limit}: over mTLS from
 * the client, each route's first endpoint an origin that reads the whole request and resets without answering,
 * its second a real origin that answers the SHA-256 and length of the body it got. Every route gets one request,
 * so round robin sends each first try to the resetting origin. Buffers are checked for leaks at the end.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BodyRetriesTest {
    @TempDir
    static Path dir;

    static ProxyFixture fx;
    static FaultyOrigin resetting;
    static ProxyServer proxy;
    static HttpClient http1;
    static HttpClient http2;

    @BeforeAll
    static void start() throws Exception {
        LeakGuard.install();
        fx = new ProxyFixture(dir);
        resetting = fx.closeLater(FaultyOrigin.start(FaultyOrigin.Fault.RESET_AFTER_REQUEST));
        String endpoints = "[\"127.0.0.1:%d\", \"127.0.0.1:%d\"]".formatted(resetting.port(), fx.plainOrigin.port());
        String optIn = "retries { attempts = 1, on = [reset], methods = [POST, PUT], non-idempotent = true }";
        proxy = fx.closeLater(
                ProxyServer.builder().metrics(ProxyMetrics.inMemory()).build());
        proxy.start(ConfigLoader.parse(
                fx.mtlsListenerHocon("edge") + """
                routes = [
                  { name = small, listener = edge, match.path-prefix = "/small", upstream { endpoints = %1$s, %2$s } }
                  { name = chunked, listener = edge, match.path-prefix = "/chunked", upstream { endpoints = %1$s, %2$s } }
                  { name = large, listener = edge, match.path-prefix = "/large", upstream { endpoints = %1$s, %2$s } }
                  { name = gone, listener = edge, match.path-prefix = "/gone", upstream { endpoints = %1$s, %2$s } }
                  { name = h2, listener = edge, match.path-prefix = "/h2", upstream { endpoints = %1$s, %2$s } }
                  { name = strict, listener = edge, match.path-prefix = "/strict"
                    upstream { endpoints = %1$s, retries { attempts = 1, on = [reset] } } }
                  { name = put, listener = edge, match.path-prefix = "/put"
                    upstream { endpoints = %1$s, retries { attempts = 1, on = [reset], buffer-limit = 16k } } }
                ]
                """.formatted(endpoints, optIn), dir.resolve("proxy.conf")));
        http1 = client(HttpClient.Version.HTTP_1_1);
        http2 = client(HttpClient.Version.HTTP_2);
    }

    @AfterAll
    static void stop() {
        fx.close();
        LeakGuard.assertNoLeaks();
    }

    private static HttpClient client(HttpClient.Version version) {
        return HttpClient.newBuilder()
                .version(version)
                .sslContext(fx.clientContext(fx.client))
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    private static byte[] body(int bytes) {
        byte[] b = new byte[bytes];
        new Random(bytes).nextBytes(b);
        return b;
    }

    /** What the good origin answers for {@code body}: its SHA-256 and length. */
    private static String received(byte[] body) throws Exception {
        return "sha256="
                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)) + "\nbytes=" + body.length
                + "\n";
    }

    private static HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("https://localhost:" + proxy.port("edge") + path))
                .timeout(Duration.ofSeconds(20));
    }

    /**
     * Sends {@code request} carrying {@code body} and checks that its first try went to the resetting origin and its
     * retry got the identical body to the good one, which answered; returns the response.
     */
    private static HttpResponse<String> assertRetried(HttpClient client, HttpRequest request, byte[] body)
            throws Exception {
        int before = resetting.accepted();
        HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(received(body), r.body(), "the second origin got the identical body");
        assertEquals(before + 1, resetting.accepted(), "the first try went to the origin that reset");
        return r;
    }

    /** Sends {@code request} and checks that it got 502 from its one try, at the resetting origin. */
    private static void assertNotRetried(HttpRequest request) throws Exception {
        int before = resetting.accepted();
        int served = fx.plainOrigin.requests();
        HttpResponse<String> r = http1.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(502, r.statusCode(), r.body());
        assertEquals(before + 1, resetting.accepted());
        assertEquals(served, fx.plainOrigin.requests(), "no second try");
    }

    private static HttpRequest post(String path, byte[] body) {
        return request(path).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    @Test
    void aPostOf10KibIsSentAgainWholeToTheNextOriginAfterAReset() throws Exception {
        byte[] body = body(10 * 1024);
        assertRetried(http1, post("/small/upload", body), body);
    }

    @Test
    void aChunkedBodyOfUnknownLengthWithinTheLimitIsRetriedToo() throws Exception {
        byte[] body = body(20_000);
        assertRetried(
                http1,
                request("/chunked/upload")
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                        .build(),
                body);
    }

    @Test
    void anHttp2StreamsBodyIsRetriedTheSameWay() throws Exception {
        byte[] body = body(10 * 1024);
        assertEquals(
                HttpClient.Version.HTTP_2,
                assertRetried(http2, post("/h2/upload", body), body).version());
    }

    @Test
    void aClientGoneMidBodyLeavesNothingHeld() throws Exception {
        int before = resetting.accepted();
        try (RawHttpClient c = fx.connect(proxy, "edge", fx.client)) {
            c.send("POST /gone/upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10000\r\n\r\n");
            c.send(body(5000));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (resetting.accepted() == before && System.nanoTime() < deadline) {
                Thread.sleep(10); // the first half of the body is on its way to the origin, and kept
            }
            assertEquals(before + 1, resetting.accepted());
        } // gone: the copy of the first half is let go (LeakGuard checks it when the class ends)
    }

    @Test
    void aBodyOverTheBufferLimitIsNotRetried() throws Exception {
        assertNotRetried(post("/large/upload", body(100 * 1024)));
    }

    @Test
    void aPostIsNotRetriedWithoutTheOptInWhileAPutIsWithinItsOwnLimit() throws Exception {
        assertNotRetried(post("/strict/upload", body(1024)));
        byte[] body = body(12 * 1024);
        assertRetried(
                http1,
                request("/put/upload")
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                body);
    }
}
