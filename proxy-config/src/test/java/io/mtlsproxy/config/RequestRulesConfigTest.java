package io.mtlsproxy.config;

import static io.mtlsproxy.config.ConfigFixture.assertCount;
import static io.mtlsproxy.config.ConfigFixture.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A route's headers, rewrite and rate-limit, and the top-level request-id and access-log object: what they read to,
 * and every bad input as a {@code FILE:LINE: key: message} error, all in one load.
 */
class RequestRulesConfigTest {
    private static final String LISTENERS = """
            listeners = [
              { name = mtls, port = 0
                tls { mode = mtls, client-ca = "pki/clients-ca.crt"
                      certificates = [{ cert = "pki/server.crt", key = "pki/server.key" }] } }
            ]
            """;
    /** Lines of {@link #LISTENERS}; lines in the tests below start after it. */
    private static final int L = 5;

    @TempDir
    Path dir;

    private ConfigFixture f;

    @Test
    void aFullRouteReadsToItsRules() throws Exception {
        f = new ConfigFixture(dir);
        ProxyConfig c = f.load(LISTENERS + """
                request-id { header = "X-Trace-Id", trust-incoming = true }
                access-log { path = "off", format = ecs, fields = ["request_id", "status"] }
                routes = [{ name = orders, listener = mtls, match.path-prefix = "/orders"
                  upstream.endpoints = ["127.0.0.1:9"]
                  headers {
                    request  { set { "X-Client-Spiffe-Id" = "%{client.uri-san}" }, remove = ["X-Debug"] }
                    response { set { "Strict-Transport-Security" = "max-age=31536000" }
                               add { "X-Seen-By" = "proxy %{request.id}" }, remove = ["Server"] }
                  }
                  rewrite { strip-prefix = "/orders" }
                  rate-limit { key = client-identity, rate = 100, per = 1s, burst = 200 }
                }]
                """);
        assertEquals(new RequestIdConfig("X-Trace-Id", true, true), c.requestId());
        assertEquals("off", c.accessLog());
        assertEquals(AccessLogFormat.Style.ECS, c.accessLogFormat().style());
        assertEquals(List.of("request_id", "status"), c.accessLogFormat().fields());
        RequestRules r = c.routes().get(0).rules();
        HeaderValue spiffe = r.requestHeaders().set().get("X-Client-Spiffe-Id");
        assertEquals(List.of(new HeaderValue.Variable(HeaderVariable.CLIENT_URI_SAN)), spiffe.parts());
        assertFalse(spiffe.constant());
        assertEquals(List.of("X-Debug"), r.requestHeaders().remove());
        assertTrue(r.responseHeaders().set().get("Strict-Transport-Security").constant());
        assertEquals(
                List.of(new HeaderValue.Literal("proxy "), new HeaderValue.Variable(HeaderVariable.REQUEST_ID)),
                r.responseHeaders().add().get("X-Seen-By").parts());
        assertEquals(List.of("Server"), r.responseHeaders().remove());
        assertEquals(new Rewrite(Optional.of("/orders"), Optional.empty()), r.rewrite());
        assertEquals(
                Optional.of(new RateLimit(RateLimitKey.CLIENT_IDENTITY, 100, Duration.ofSeconds(1), 200)),
                r.rateLimit());
    }

    @Test
    void defaultsWhenNothingIsSaid() throws Exception {
        f = new ConfigFixture(dir);
        ProxyConfig c = f.load(LISTENERS + """
                access-log = "off"
                routes = [{ name = r, listener = mtls, upstream.endpoints = ["127.0.0.1:9"]
                  rate-limit { rate = 5 } }]
                """);
        assertEquals(RequestIdConfig.DEFAULT, c.requestId());
        assertEquals(AccessLogFormat.DEFAULT, c.accessLogFormat());
        RequestRules r = c.routes().get(0).rules();
        assertEquals(
                Optional.of(new RateLimit(RateLimitKey.CLIENT_IDENTITY, 5, Duration.ofSeconds(1), 5)), r.rateLimit());
        assertTrue(r.requestHeaders().isEmpty());
        assertTrue(r.rewrite().isEmpty());
    }

    @Test
    void everyBadRuleIsReportedAtItsLine() {
        f = new ConfigFixture(dir);
        List<ConfigError> e = f.errors(LISTENERS + """
                routes = [{ name = r, listener = mtls, upstream.endpoints = ["127.0.0.1:9"]
                  headers {
                    request {
                      set { "X-Forwarded-Client-Cert" = "forged" }
                      add { "X_Forwarded_For" = "1.2.3.4", "X-Who" = "%{client.uri_san}" }
                      remove = ["Content-Length", "bad name"]
                    }
                    response { sett { "A" = "b" } }
                  }
                  rewrite { strip-prefix = "orders", replace = "/v2" }
                  rate-limit {
                    key = client-spiffe-id
                    rate = 0
                    per = 0s
                    burst = -1
                  }
                }]
                """);
        assertError(
                e,
                f.main(),
                L + 4,
                "routes[0].headers.request.set.X-Forwarded-Client-Cert",
                "X-Forwarded-Client-Cert is the proxy's own header");
        assertError(e, f.main(), L + 5, "routes[0].headers.request.add.X_Forwarded_For", "the proxy's own header");
        assertError(
                e,
                f.main(),
                L + 5,
                "routes[0].headers.request.add.X-Who",
                "unknown variable %{client.uri_san} (expected: one of %{client.subject}, %{client.uri-san}");
        assertError(e, f.main(), L + 6, "routes[0].headers.request.remove[0]", "the proxy's own header");
        assertError(e, f.main(), L + 6, "routes[0].headers.request.remove[1]", "\"bad name\" (expected: a header name");
        assertError(e, f.main(), L + 8, "routes[0].headers.response.sett", "unknown key");
        assertError(e, f.main(), L + 10, "routes[0].rewrite.strip-prefix", "\"orders\" (expected: a path starting");
        assertError(e, f.main(), L + 10, "routes[0].rewrite.replace", "unknown key");
        assertError(
                e,
                f.main(),
                L + 12,
                "routes[0].rate-limit.key",
                "(expected: one of client-identity, client-address, route)");
        assertError(e, f.main(), L + 13, "routes[0].rate-limit.rate", "0 (expected: of at least 1)");
        assertError(e, f.main(), L + 14, "routes[0].rate-limit.per", "(expected: at least 1ms)");
        assertError(e, f.main(), L + 15, "routes[0].rate-limit.burst", "-1 (expected: of at least 1)");
        assertCount(12, e);
    }

    @Test
    void tcpRoutesTakeNoHeadersOrRewrite() {
        f = new ConfigFixture(dir);
        List<ConfigError> e = f.errors(LISTENERS + """
                routes = [{ name = t, listener = mtls, protocol = tcp, upstream.endpoints = ["127.0.0.1:9"]
                  headers { request { remove = ["X-A"] } }
                  rewrite { strip-prefix = "/a" }
                  rate-limit { key = client-address, rate = 10 }
                }]
                """);
        assertError(e, f.main(), L + 2, "routes[0].headers", "on a tcp route");
        assertError(e, f.main(), L + 3, "routes[0].rewrite", "on a tcp route");
        assertCount(2, e);
    }

    @Test
    void badRequestIdAndAccessLogSettings() {
        f = new ConfigFixture(dir);
        List<ConfigError> e = f.errors(LISTENERS + """
                request-id { header = "X Request", trust = true }
                access-log { format = elastic, fields = ["status", "tls_versoin"] }
                """);
        assertError(e, f.main(), L + 1, "request-id.header", "\"X Request\" (expected: a header name");
        assertError(e, f.main(), L + 1, "request-id.trust", "unknown key");
        assertError(e, f.main(), L + 2, "access-log.format", "(expected: one of default, ecs)");
        assertError(e, f.main(), L + 2, "access-log.fields[1]", "\"tls_versoin\" is no access log field");
        // the configuration has no routes: that is allowed, so these four are all
        assertCount(4, e);
    }
}
