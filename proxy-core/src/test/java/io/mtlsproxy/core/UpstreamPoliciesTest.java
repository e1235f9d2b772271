package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.mtlsproxy.config.HealthCheck;
import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.config.LoadBalancing;
import io.mtlsproxy.config.Retries;
import io.mtlsproxy.config.RetryOn;
import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.config.UpstreamPolicy;
import io.mtlsproxy.core.metrics.MetricNames;
import io.mtlsproxy.core.testing.SwitchableOrigin;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.upstream.UpstreamCluster;
import io.mtlsproxy.core.upstream.UpstreamEndpoint;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A route's upstream policies against real origins: active health checks over the route's own mTLS, least-request
 * against round robin with a slow origin, the retry budget in a full outage, retries on an origin's 503, and the
 * per-try and whole-request timeouts.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UpstreamPoliciesTest {
    @TempDir
    Path dir;

    ProxyFixture fx;
    final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @BeforeEach
    void setUp() {
        fx = new ProxyFixture(dir);
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    private static UpstreamPolicy policy(
            LoadBalancing balancing, Optional<HealthCheck> check, Retries retries, Optional<Duration> timeout) {
        return new UpstreamPolicy(balancing, check, Optional.empty(), retries, Optional.empty(), timeout);
    }

    private static Retries retries(int attempts, List<RetryOn> on, Optional<Duration> perTry, int budget) {
        return new Retries(attempts, EnumSet.copyOf(on), Retries.IDEMPOTENT_METHODS, perTry, budget);
    }

    private ProxyServer start(RouteConfig... routes) throws Exception {
        return fx.start(List.of(TestConfigs.listener("plain", ListenerTls.plain())), List.of(routes));
    }

    private HttpResponse<String> get(ProxyServer proxy, String path) throws Exception {
        return http.send(request(proxy, path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder request(ProxyServer proxy, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port("plain") + path))
                .timeout(Duration.ofSeconds(20));
    }

    private static UpstreamEndpoint endpoint(ProxyServer proxy, String route, int port) {
        UpstreamCluster c = proxy.snapshot().routes().get(route).upstream();
        return c.endpoints().stream()
                .filter(e -> e.address().getPort() == port)
                .findFirst()
                .orElseThrow();
    }

    private static long waitFor(BooleanSupplier condition, long maxMillis) throws InterruptedException {
        return waitFor(condition, maxMillis, () -> "");
    }

    private static long waitFor(BooleanSupplier condition, long maxMillis, Supplier<String> state)
            throws InterruptedException {
        long start = System.nanoTime();
        while (!condition.getAsBoolean()) {
            assertTrue(
                    System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(maxMillis),
                    () -> "not within " + maxMillis + " ms: " + state.get());
            Thread.sleep(10);
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    @Test
    void anOriginFailingItsHealthCheckOverMtlsLeavesTheRotationWithinTheThresholdsAndComesBack() throws Exception {
        try (SwitchableOrigin a = SwitchableOrigin.mtls("a", fx.originCert, fx.proxyIdCa.certFile());
                SwitchableOrigin b = SwitchableOrigin.mtls("b", fx.originCert, fx.proxyIdCa.certFile())) {
            HealthCheck check =
                    new HealthCheck(Optional.of("/healthz"), Duration.ofMillis(400), Duration.ofMillis(400), 2, 2);
            ProxyServer proxy = start(TestConfigs.route("app", "plain")
                    .endpoint(a.port())
                    .endpoint(b.port())
                    .mtls(fx.originCa.certFile(), fx.proxyId)
                    .serverName("localhost")
                    .policy(policy(LoadBalancing.ROUND_ROBIN, Optional.of(check), Retries.DEFAULT, Optional.empty()))
                    .build());
            UpstreamEndpoint ea = endpoint(proxy, "app", a.port());
            waitFor(
                    () -> "pass: 200".equals(ea.health().lastResult()),
                    5_000,
                    () -> ea.health().lastResult());
            assertTrue(a.healthChecks() >= 1, "checked over mTLS: the origin requires the proxy's certificate");
            for (int i = 0; i < 10; i++) {
                assertEquals(200, get(proxy, "/").statusCode());
            }
            assertEquals(5, a.requests(), "round robin while both are healthy");

            a.healthy(false);
            // 2 failed checks 400 ms apart: out after at most 2 intervals (+ the tick and a loaded machine)
            long out = waitFor(() -> !ea.health().healthy(), 4_000);
            assertTrue(out <= 2_000, "unhealthy after " + out + " ms");
            assertEquals("fail: 503", ea.health().lastResult());
            assertEquals(0.0, gauge(proxy, a.port()));
            int before = a.requests();
            UpstreamEndpoint eb = endpoint(proxy, "app", b.port());
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> r = get(proxy, "/");
                assertEquals(
                        200,
                        r.statusCode(),
                        () -> r.body() + "; b: " + eb.health().lastResult());
                assertEquals("b", r.body());
            }
            assertEquals(before, a.requests(), "no request reaches the unhealthy origin");

            a.healthy(true);
            long back = waitFor(() -> ea.health().healthy(), 4_000);
            assertTrue(back <= 2_000, "healthy again after " + back + " ms");
            assertEquals(1.0, gauge(proxy, a.port()));
            for (int i = 0; i < 10; i++) {
                assertEquals(200, get(proxy, "/").statusCode());
            }
            assertTrue(a.requests() >= before + 4, "back in rotation: " + (a.requests() - before));
        }
    }

    private static double gauge(ProxyServer proxy, int port) {
        return proxy.metrics()
                .registry()
                .get(MetricNames.UPSTREAM_HEALTHY)
                .tag("endpoint", "127.0.0.1:" + port)
                .gauge()
                .value();
    }

    @Test
    void withoutAPathTheCheckIsATcpConnect() throws Exception {
        int closed;
        try (var s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        HealthCheck tcp = new HealthCheck(Optional.empty(), Duration.ofMillis(100), Duration.ofMillis(100), 1, 1);
        ProxyServer proxy = start(TestConfigs.route("app", "plain")
                .endpoint(closed)
                .endpoint(fx.plainOrigin.port())
                .policy(policy(LoadBalancing.ROUND_ROBIN, Optional.of(tcp), Retries.DEFAULT, Optional.empty()))
                .build());
        UpstreamEndpoint down = endpoint(proxy, "app", closed);
        UpstreamEndpoint up = endpoint(proxy, "app", fx.plainOrigin.port());
        waitFor(() -> !down.health().healthy(), 3_000);
        assertTrue(
                down.health().lastResult().startsWith("fail: origin refused the connection"),
                down.health().lastResult());
        waitFor(() -> up.health().lastResult() != null, 3_000);
        assertEquals("pass: connected", up.health().lastResult());
        assertTrue(up.health().healthy());
    }

    @Test
    void aHealthCheckAddedByAReloadRuns() throws Exception {
        int closed;
        try (var s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        var route = TestConfigs.route("app", "plain").endpoint(closed).endpoint(fx.plainOrigin.port());
        ProxyServer proxy = start(route.build());
        HealthCheck tcp = new HealthCheck(Optional.empty(), Duration.ofMillis(100), Duration.ofMillis(100), 1, 1);
        // the timers list the clusters once per snapshot: the new one's must be listed again, and checked
        var next = route.policy(policy(LoadBalancing.ROUND_ROBIN, Optional.of(tcp), Retries.DEFAULT, Optional.empty()));
        assertTrue(proxy.reload(
                        fx.config(List.of(TestConfigs.listener("plain", ListenerTls.plain())), List.of(next.build())))
                .ok());
        UpstreamEndpoint down = endpoint(proxy, "app", closed);
        waitFor(
                () -> !down.health().healthy(),
                3_000,
                () -> String.valueOf(down.health().lastResult()));
    }

    @Test
    void leastRequestSendsFewerRequestsToASlowOriginThanRoundRobin() throws Exception {
        try (SwitchableOrigin slow = SwitchableOrigin.plain("slow").delayMillis(200);
                SwitchableOrigin fast = SwitchableOrigin.plain("fast")) {
            ProxyServer proxy = start(
                    TestConfigs.route("rr", "plain")
                            .prefix("/rr")
                            .endpoint(slow.port())
                            .endpoint(fast.port())
                            .build(),
                    TestConfigs.route("lr", "plain")
                            .prefix("/lr")
                            .endpoint(slow.port())
                            .endpoint(fast.port())
                            .policy(policy(
                                    LoadBalancing.LEAST_REQUEST, Optional.empty(), Retries.DEFAULT, Optional.empty()))
                            .build());
            double rr = slowShare(proxy, "/rr", slow, fast);
            double lr = slowShare(proxy, "/lr", slow, fast);
            assertTrue(rr > 0.4, "round robin gives the slow origin its half: " + rr);
            assertTrue(lr < 0.25 && lr < rr / 2, "least-request avoids the slow origin: " + lr + " vs " + rr);
        }
    }

    /** 8 clients in a loop for 1.5 s: the slow origin's share of the requests. */
    private double slowShare(ProxyServer proxy, String path, SwitchableOrigin slow, SwitchableOrigin fast)
            throws Exception {
        int slowBefore = slow.requests();
        int fastBefore = fast.requests();
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_500);
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            clients.add(CompletableFuture.runAsync(() -> {
                try {
                    while (System.nanoTime() < end) {
                        assertEquals(200, get(proxy, path).statusCode());
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
        int s = slow.requests() - slowBefore;
        int f = fast.requests() - fastBefore;
        assertTrue(s + f > 40, "enough requests to compare: " + (s + f));
        return (double) s / (s + f);
    }

    @Test
    void aRetryBudgetOf20PercentCapsRetriesDuringAFullOutage() throws Exception {
        try (SwitchableOrigin a = SwitchableOrigin.plain("a").status(503).delayMillis(300);
                SwitchableOrigin b = SwitchableOrigin.plain("b").status(503).delayMillis(300)) {
            List<RetryOn> on = List.of(RetryOn.STATUS_503);
            ProxyServer proxy = start(
                    TestConfigs.route("budget", "plain")
                            .prefix("/budget")
                            .endpoint(a.port())
                            .endpoint(b.port())
                            .policy(policy(
                                    LoadBalancing.ROUND_ROBIN,
                                    Optional.empty(),
                                    retries(3, on, Optional.empty(), 20),
                                    Optional.empty()))
                            .build(),
                    TestConfigs.route("unbounded", "plain")
                            .prefix("/unbounded")
                            .endpoint(a.port())
                            .endpoint(b.port())
                            .policy(policy(
                                    LoadBalancing.ROUND_ROBIN,
                                    Optional.empty(),
                                    retries(3, on, Optional.empty(), 100),
                                    Optional.empty()))
                            .build());
            int budgeted = outage(proxy, "/budget", a, b);
            // 20 requests at once: 20 % of them may be retrying at a time (4), each up to 3 times
            assertTrue(budgeted > 0 && budgeted <= 12, "retries with a 20 % budget: " + budgeted);
            assertEquals(budgeted, retries(proxy, "budget", "retried"));
            assertTrue(retries(proxy, "budget", "budget_exhausted") >= 8, "refused by the budget");
            int unbounded = outage(proxy, "/unbounded", a, b);
            assertEquals(60, unbounded, "without a budget every request is tried 3 more times");
        }
    }

    /** 20 GETs at once while every origin answers 503: how many requests the origins got beyond the 20. */
    private int outage(ProxyServer proxy, String path, SwitchableOrigin a, SwitchableOrigin b) throws Exception {
        int before = a.requests() + b.requests();
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            all.add(http.sendAsync(request(proxy, path).GET().build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> f : all) {
            assertEquals(503, f.get(20, TimeUnit.SECONDS).statusCode(), "the origin's own answer in the end");
        }
        return a.requests() + b.requests() - before - 20;
    }

    private static int retries(ProxyServer proxy, String route, String result) {
        Counter c = proxy.metrics()
                .registry()
                .find(MetricNames.UPSTREAM_RETRIES.replace("_total", ""))
                .tags("route", route, "result", result)
                .counter();
        return c == null ? 0 : (int) c.count();
    }

    @Test
    void a503IsRetriedOnTheOtherEndpointForIdempotentMethodsOnly() throws Exception {
        try (SwitchableOrigin failing = SwitchableOrigin.plain("failing").status(503);
                SwitchableOrigin ok = SwitchableOrigin.plain("ok")) {
            ProxyServer proxy = start(TestConfigs.route("app", "plain")
                    .endpoint(failing.port())
                    .endpoint(ok.port())
                    .policy(policy(
                            LoadBalancing.ROUND_ROBIN,
                            Optional.empty(),
                            retries(1, List.of(RetryOn.STATUS_503), Optional.empty(), 20),
                            Optional.empty()))
                    .build());
            for (int i = 0; i < 6; i++) {
                HttpResponse<String> r = get(proxy, "/");
                assertEquals(200, r.statusCode());
                assertEquals("ok", r.body());
            }
            assertEquals(3, failing.requests(), "every other GET went to the failing origin first");
            int posts503 = 0;
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> r = http.send(
                        request(proxy, "/")
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                posts503 += r.statusCode() == 503 ? 1 : 0;
            }
            assertEquals(2, posts503, "POST is not retried: the failing origin's 503 reaches the client");
        }
    }

    @Test
    void perTryTimeoutRetriesThen504AndTheRouteTimeoutAnswers504() throws Exception {
        try (SwitchableOrigin slow = SwitchableOrigin.plain("slow").delayMillis(1_200)) {
            ProxyServer proxy = start(
                    TestConfigs.route("per-try", "plain")
                            .prefix("/per-try")
                            .endpoint(slow.port())
                            .policy(policy(
                                    LoadBalancing.ROUND_ROBIN,
                                    Optional.empty(),
                                    retries(1, List.of(RetryOn.STATUS_504), Optional.of(Duration.ofMillis(300)), 20),
                                    Optional.empty()))
                            .build(),
                    TestConfigs.route("total", "plain")
                            .prefix("/total")
                            .endpoint(slow.port())
                            .policy(policy(
                                    LoadBalancing.ROUND_ROBIN,
                                    Optional.empty(),
                                    Retries.DEFAULT,
                                    Optional.of(Duration.ofMillis(400))))
                            .build(),
                    TestConfigs.route("warm", "plain")
                            .prefix("/warm")
                            .endpoint(fx.plainOrigin.port())
                            .build());
            assertEquals(200, get(proxy, "/warm").statusCode()); // the client's first request is not measured
            long t0 = System.nanoTime();
            HttpResponse<String> perTry = get(proxy, "/per-try");
            long perTryMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(504, perTry.statusCode());
            assertTrue(perTry.body().contains("per-try-timeout of 300 ms"), perTry.body());
            assertTrue(perTryMillis >= 550 && perTryMillis < 1_150, "two tries of 300 ms: " + perTryMillis);
            waitFor(() -> slow.requests() == 2, 3_000); // the try and its retry reached the origin

            t0 = System.nanoTime();
            HttpResponse<String> total = get(proxy, "/total");
            long totalMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(504, total.statusCode());
            assertTrue(total.body().contains("the route's timeout of 400 ms"), total.body());
            assertTrue(totalMillis >= 380 && totalMillis < 1_150, "the route's timeout: " + totalMillis);
        }
    }
}
