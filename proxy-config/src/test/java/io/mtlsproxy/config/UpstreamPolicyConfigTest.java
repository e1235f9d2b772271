package io.mtlsproxy.config;

import static io.mtlsproxy.config.ConfigFixture.assertCount;
import static io.mtlsproxy.config.ConfigFixture.assertError;
import static io.mtlsproxy.config.ConfigFixture.line;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A route's load-balancing, health-check, passive-ejection, retries, idle-timeout and timeout. */
class UpstreamPolicyConfigTest {
    private static final String LISTENER = "listeners = [{ name = lb, port = 8080 }]\n";

    @TempDir
    Path dir;

    private static String route(String routeKeys, String upstreamKeys) {
        return LISTENER + "routes = [{\n  name = app, listener = lb\n" + routeKeys + "\n  upstream {\n"
                + "    endpoints = [\"127.0.0.1:8081\"]\n" + upstreamKeys + "\n  }\n}]\n";
    }

    @Test
    void everyKeyIsRead() throws Exception {
        ConfigFixture f = new ConfigFixture(dir);
        ProxyConfig c = f.load(route("  timeout = 60s", """
                    load-balancing = least-request
                    health-check { path = "/healthz", interval = 2s, timeout = 500ms, healthy-threshold = 1, unhealthy-threshold = 4 }
                    passive-ejection { failures = 5, window = 30s, ejection = 1m }
                    retries { attempts = 2, on = [connect-failure, reset, 503], per-try-timeout = 3s, budget = "25%",
                              methods = [GET, POST], non-idempotent = true, buffer-limit = 16k }
                    idle-timeout = 20s
                """));
        UpstreamPolicy p = c.routes().get(0).upstream().policy();
        assertEquals(LoadBalancing.LEAST_REQUEST, p.loadBalancing());
        assertEquals(
                new HealthCheck(Optional.of("/healthz"), Duration.ofSeconds(2), Duration.ofMillis(500), 1, 4),
                p.healthCheck().orElseThrow());
        assertEquals(
                new PassiveEjection(5, Duration.ofSeconds(30), Duration.ofMinutes(1)),
                p.passiveEjection().orElseThrow());
        assertEquals(
                new Retries(
                        2,
                        EnumSet.of(RetryOn.CONNECT_FAILURE, RetryOn.RESET, RetryOn.STATUS_503),
                        Set.of("GET", "POST"),
                        Optional.of(Duration.ofSeconds(3)),
                        25,
                        16 * 1024),
                p.retries());
        assertEquals(Optional.of(Duration.ofSeconds(20)), p.idleTimeout());
        assertEquals(Optional.of(Duration.ofSeconds(60)), p.requestTimeout());
    }

    @Test
    void defaultsKeepTheOldBehaviour() throws Exception {
        ConfigFixture f = new ConfigFixture(dir);
        UpstreamPolicy p = f.load(route("", "")).routes().get(0).upstream().policy();
        assertEquals(UpstreamPolicy.DEFAULT, p);
        assertEquals(Set.of(RetryOn.CONNECT_FAILURE), p.retries().on());
        assertEquals(1, p.retries().attempts());
        assertEquals(20, p.retries().budgetPercent());
        assertEquals(64 * 1024, p.retries().bufferLimit());
        UpstreamPolicy tcpCheck = f.load(route("", "    health-check { interval = 1s }"))
                .routes()
                .get(0)
                .upstream()
                .policy();
        assertEquals(Optional.empty(), tcpCheck.healthCheck().orElseThrow().path(), "no path: a TCP connect");
        assertEquals(3, tcpCheck.healthCheck().orElseThrow().unhealthyThreshold());
    }

    @Test
    void badInputIsReportedAtItsLineAllAtOnce() {
        ConfigFixture f = new ConfigFixture(dir);
        String text = route("  timeout = 5", """
                    load-balancing = least-requests
                    health-check { path = "healthz", interval = 10ms, timeout = 2s, healthy-threshold = 0, unhealthy-threshold = 101 }
                    passive-ejection { failures = 0, window = forever, ejections = 1s }
                    retries {
                      attempts = 11
                      on = [connect-failure, 500, resett]
                      methods = [GET, POST, "get x"]
                      per-try-timeout = 0s
                      budget = "120%"
                      buffer-limit = lots
                    }
                    idle-timeout = soon
                """);
        List<ConfigError> e = f.errors(text);
        Path m = f.main();
        String r = "routes[0].";
        String u = r + "upstream.";
        assertError(e, m, line(text, "timeout = 5"), r + "timeout", "expected: a duration with a unit");
        assertError(e, m, line(text, "load-balancing"), u + "load-balancing", "did you mean `least-request`");
        int hc = line(text, "health-check");
        assertError(e, m, hc, u + "health-check.path", "expected: a path starting with /");
        assertError(e, m, hc, u + "health-check.interval", "at least 100ms");
        assertError(e, m, hc, u + "health-check.healthy-threshold", "expected: 1..100");
        assertError(e, m, hc, u + "health-check.unhealthy-threshold", "expected: 1..100");
        int pe = line(text, "passive-ejection");
        assertError(e, m, pe, u + "passive-ejection.failures", "expected: 1..1000");
        assertError(e, m, pe, u + "passive-ejection.window", "expected: a duration");
        assertError(e, m, pe, u + "passive-ejection.ejections", "unknown key");
        assertError(e, m, line(text, "attempts = 11"), u + "retries.attempts", "expected: 0..10");
        assertError(e, m, line(text, "on = ["), u + "retries.on[1]", "expected: one of connect-failure");
        assertError(e, m, line(text, "on = ["), u + "retries.on[2]", "did you mean `reset`");
        assertError(e, m, line(text, "methods"), u + "retries.methods[1]", "POST is not idempotent");
        assertError(e, m, line(text, "methods"), u + "retries.methods[2]", "expected: an HTTP method");
        assertError(e, m, line(text, "per-try-timeout"), u + "retries.per-try-timeout", "at least 1ms");
        assertError(e, m, line(text, "budget"), u + "retries.budget", "\"0%\" to \"100%\"");
        assertError(e, m, line(text, "buffer-limit"), u + "retries.buffer-limit", "expected: a size such as 16k");
        assertError(e, m, line(text, "idle-timeout"), u + "idle-timeout", "expected: a duration");
        assertCount(18, e);
    }

    @Test
    void aHealthCheckTimeoutAboveItsIntervalAndAPathOnAnH2UpstreamAreRefused() {
        ConfigFixture f = new ConfigFixture(dir);
        String text = route("", """
                    protocol = h2
                    health-check {
                      path = "/healthz"
                      interval = 1s
                      timeout = 2s
                    }
                """);
        List<ConfigError> e = f.errors(text);
        assertError(
                e,
                f.main(),
                line(text, "timeout = 2s"),
                "routes[0].upstream.health-check.timeout",
                "timeout <= interval");
        assertError(e, f.main(), line(text, "upstream {"), "routes[0].upstream.health-check.path", "on an h2 upstream");
        assertCount(2, e);
    }
}
