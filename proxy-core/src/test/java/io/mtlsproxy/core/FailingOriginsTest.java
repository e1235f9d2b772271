package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.core.identity.TlsFailureReason;
import io.mtlsproxy.core.metrics.AccessLog;
import io.mtlsproxy.core.metrics.AccessLogEntry;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.FaultyOrigin;
import io.mtlsproxy.core.testing.LeakGuard;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.RecordingOrigin;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestPki;
import io.mtlsproxy.core.upstream.EjectionPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Origins that fail in every way a network lets them: refused connects, resets mid-response and mid-request-body,
 * handshakes that hang, responses that stall, every endpoint down. The client gets 502, 503 or 504 with a reason
 * (or, once a response has started, a cut connection), the failing endpoint is ejected and comes back after it
 * recovers, and an idempotent request without a body that failed before any byte was sent is retried once on
 * another endpoint, while a POST never is.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FailingOriginsTest {
    private static final Duration EJECT_FOR = Duration.ofMillis(800);

    @TempDir
    static Path dir;

    static TestPki.Ca originCa;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<AccessLogEntry> accessLog = new CopyOnWriteArrayList<>();
    private final ProxyMetrics metrics = ProxyMetrics.inMemory();
    private ProxyServer proxy;

    @BeforeAll
    static void pki() {
        LeakGuard.install();
        originCa = new TestPki(dir).ca("origins");
    }

    @AfterAll
    static void leaks() {
        LeakGuard.assertNoLeaks();
    }

    @AfterEach
    void tearDown() {
        if (proxy != null) {
            proxy.close();
        }
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    private <T extends AutoCloseable> T later(T c) {
        closeables.add(c);
        return c;
    }

    private void start(RouteConfig... routes) throws Exception {
        start(EJECT_FOR, routes);
    }

    private void start(Duration ejectFor, RouteConfig... routes) throws Exception {
        AccessLog log = accessLog::add;
        proxy = ProxyServer.builder()
                .metrics(metrics)
                .accessLog(log)
                .workerThreads(1)
                .ejection(new EjectionPolicy(2, ejectFor))
                .build();
        proxy.start(TestConfigs.config(
                dir.resolve("proxy.conf"),
                List.of(TestConfigs.listener("edge", ListenerTls.plain())),
                List.of(routes)));
    }

    private RawHttpClient.Response get(String path) throws IOException {
        try (RawHttpClient c = RawHttpClient.connect(proxy.port("edge"))) {
            return c.get("a.test", path);
        }
    }

    private double errors(String route, String reason) {
        var c = metrics.registry()
                .find("mtls_proxy_upstream_errors")
                .tag("route", route)
                .tag("reason", reason)
                .counter();
        return c == null ? 0 : c.count();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void refusedConnectIsRetriedOnceOnAnotherEndpointForAGet() throws Exception {
        RecordingOrigin up = later(RecordingOrigin.start());
        int down = freePort();
        start(TestConfigs.route("pair", "edge")
                .endpoint(down)
                .endpoint(up.port())
                .build());
        for (int i = 0; i < 4; i++) {
            assertEquals(200, get("/get-" + i).status(), "request " + i);
        }
        assertEquals(4, up.requests().size(), "each GET reached the healthy origin exactly once: " + up.requests());
        assertTrue(errors("pair", "connect") >= 1);
    }

    @Test
    void aPostIsNeverRetried() throws Exception {
        RecordingOrigin up = later(RecordingOrigin.start());
        int down = freePort();
        start(TestConfigs.route("pair", "edge")
                .endpoint(down)
                .endpoint(up.port())
                .build());
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            try (RawHttpClient c = RawHttpClient.connect(proxy.port("edge"))) {
                c.send("POST /post-" + i + " HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\n\r\nhello");
                statuses.add(c.read().status());
            }
        }
        assertEquals(
                List.of(502, 200),
                statuses.stream().sorted((a, b) -> b - a).toList(),
                "round robin sends one POST to the dead endpoint, and it stays failed");
        assertEquals(1, up.requests().size());
    }

    @Test
    void resetMidResponseCutsTheClientOffAndCountsAReset() throws Exception {
        FaultyOrigin origin = later(FaultyOrigin.start(FaultyOrigin.Fault.RESET_MID_RESPONSE));
        RecordingOrigin healthy = later(RecordingOrigin.start());
        start(
                TestConfigs.route("reset", "edge")
                        .prefix("/reset")
                        .endpoint(origin.port())
                        .build(),
                TestConfigs.route("fine", "edge")
                        .prefix("/fine")
                        .endpoint(healthy.port())
                        .build());
        try (RawHttpClient c = RawHttpClient.connect(proxy.port("edge"))) {
            c.send("GET /reset/x HTTP/1.1\r\nHost: a.test\r\n\r\n");
            RawHttpClient.Response head = c.readHead();
            assertEquals(200, head.status(), "the head was already on its way");
            InputStream body = c.body(head);
            assertThrows(
                    IOException.class,
                    () -> body.transferTo(OutputStream.nullOutputStream()),
                    "the body ends early: the client can tell");
        }
        await(() -> errors("reset", "reset") >= 1, "a reset counted");
        await(
                () -> accessLog.stream()
                        .anyMatch(e -> "reset".equals(e.route())
                                && e.reason() != null
                                && e.reason().contains("mid-response")),
                "the access log saying why");
        assertEquals(200, get("/fine/x").status(), "the proxy carries on");
    }

    @Test
    void resetMidRequestBodyIs502() throws Exception {
        FaultyOrigin origin = later(FaultyOrigin.start(FaultyOrigin.Fault.RESET_MID_REQUEST_BODY));
        start(TestConfigs.route("upload", "edge").endpoint(origin.port()).build());
        try (RawHttpClient c = RawHttpClient.connect(proxy.port("edge"))) {
            int length = 512 * 1024;
            c.send("POST /upload HTTP/1.1\r\nHost: a.test\r\nContent-Length: " + length + "\r\n\r\n");
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    byte[] chunk = new byte[8192];
                    for (int sent = 0; sent < length; sent += chunk.length) {
                        c.output().write(chunk);
                    }
                    c.output().flush();
                } catch (IOException closed) {
                    // the proxy gave up on the body: expected
                }
            });
            RawHttpClient.Response r = c.read();
            assertEquals(502, r.status(), r.text());
            assertTrue(r.text().contains("origin"), r.text());
            writer.get(20, TimeUnit.SECONDS);
        }
        await(() -> errors("upload", "reset") >= 1, "a reset counted");
    }

    @Test
    void originTlsHandshakeThatHangsIs502WithinTheConnectTimeout() throws Exception {
        FaultyOrigin origin = later(FaultyOrigin.start(FaultyOrigin.Fault.SILENT));
        start(TestConfigs.route("hang", "edge")
                .endpoint(origin.port())
                .tls(originCa.certFile())
                .serverName("localhost")
                .connectTimeout(Duration.ofMillis(500))
                .build());
        long start = System.nanoTime();
        RawHttpClient.Response r = get("/hang");
        long took = System.nanoTime() - start;
        assertEquals(502, r.status(), r.text());
        assertTrue(r.text().startsWith("TLS handshake with origin failed"), r.text());
        assertTrue(took < TimeUnit.SECONDS.toNanos(4), "took " + took / 1_000_000 + " ms");
        await(
                () -> metrics.failures().snapshot().stream()
                        .anyMatch(f -> f.side() == ProxyMetrics.Side.UPSTREAM
                                && f.name().equals("hang")
                                && f.reason() == TlsFailureReason.TIMEOUT),
                "/tls/failures: timeout");
    }

    @Test
    void originSilentPastResponseTimeoutIs504AndAStalledBodyIsCutOff() throws Exception {
        FaultyOrigin silent = later(FaultyOrigin.start(FaultyOrigin.Fault.SILENT));
        FaultyOrigin stalling = later(FaultyOrigin.start(FaultyOrigin.Fault.STALL_MID_RESPONSE));
        start(
                TestConfigs.route("silent", "edge")
                        .prefix("/silent")
                        .endpoint(silent.port())
                        .responseTimeout(Duration.ofMillis(400))
                        .build(),
                TestConfigs.route("stall", "edge")
                        .prefix("/stall")
                        .endpoint(stalling.port())
                        .responseTimeout(Duration.ofMillis(400))
                        .build());
        RawHttpClient.Response r = get("/silent/x");
        assertEquals(504, r.status(), r.text());
        assertEquals(1, silent.accepted(), "a GET that reached the origin is not retried after a timeout");
        try (RawHttpClient c = RawHttpClient.connect(proxy.port("edge"))) {
            c.send("GET /stall/x HTTP/1.1\r\nHost: a.test\r\n\r\n");
            RawHttpClient.Response head = c.readHead();
            assertEquals(200, head.status());
            InputStream body = c.body(head);
            assertThrows(IOException.class, () -> body.transferTo(OutputStream.nullOutputStream()));
        }
        assertTrue(errors("stall", "timeout") >= 1);
    }

    @Test
    void failingEndpointIsEjectedAndComesBackAfterItRecovers() throws Exception {
        RecordingOrigin healthy = later(RecordingOrigin.start());
        int flaky = freePort();
        Duration ejectFor = Duration.ofSeconds(2); // long enough for the "not tried while ejected" part
        start(
                ejectFor,
                TestConfigs.route("pool", "edge")
                        .endpoint(flaky)
                        .endpoint(healthy.port())
                        .build());
        for (int i = 0; i < 6; i++) {
            assertEquals(200, get("/before-" + i).status(), "retried on the healthy endpoint");
        }
        double connectErrors = errors("pool", "connect");
        assertTrue(connectErrors >= 2, "the flaky endpoint failed until it was ejected");
        for (int i = 0; i < 4; i++) {
            assertEquals(200, get("/ejected-" + i).status());
        }
        assertEquals(connectErrors, errors("pool", "connect"), "an ejected endpoint is not tried");

        RecordingOrigin recovered = later(RecordingOrigin.start(flaky));
        long deadline = System.nanoTime() + ejectFor.toNanos() * 5;
        while (recovered.requests().isEmpty() && System.nanoTime() < deadline) {
            assertEquals(200, get("/after").status());
            Thread.sleep(50);
        }
        assertTrue(recovered.requests().size() >= 1, "back in rotation once ejection is over");
    }

    @Test
    void everyEndpointDownIs502Then503UntilOneRecovers() throws Exception {
        int a = freePort();
        int b = freePort();
        start(TestConfigs.route("dead", "edge").endpoint(a).endpoint(b).build());
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            statuses.add(get("/x").status());
        }
        assertEquals(502, statuses.get(0), statuses.toString());
        assertEquals(503, statuses.get(statuses.size() - 1), "every endpoint ejected: " + statuses);
        RawHttpClient.Response unavailable = get("/x");
        assertEquals(503, unavailable.status());
        assertTrue(unavailable.text().startsWith("no healthy origin for route dead"), unavailable.text());
        assertTrue(
                accessLog.stream()
                        .anyMatch(e -> e.status() == 503
                                && e.reason() != null
                                && e.reason().startsWith("no healthy origin")),
                "the access log says why");

        RecordingOrigin back = later(RecordingOrigin.start(a));
        long deadline = System.nanoTime() + EJECT_FOR.toNanos() * 10;
        int status = 0;
        while (status != 200 && System.nanoTime() < deadline) {
            Thread.sleep(50);
            status = get("/x").status();
        }
        assertEquals(200, status, "served again once an endpoint is back");
        assertTrue(back.requests().size() >= 1);
        String body = new String(get("/x").body(), StandardCharsets.UTF_8);
        assertEquals("ok\n", body);
    }
}
