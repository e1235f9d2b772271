package io.mtlsproxy.config;

import static io.mtlsproxy.config.ConfigFixture.assertCount;
import static io.mtlsproxy.config.ConfigFixture.assertError;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Problems inside one route, each reported at the line of its key. */
class RouteValidationTest {
    private static final String LISTENERS = """
            listeners = [
              { name = mtls, port = 0
                tls { mode = mtls, client-ca = "pki/clients-ca.crt"
                      certificates = [{ cert = "pki/server.crt", key = "pki/server.key" }] } }
            ]
            """;
    /** Lines of {@link #LISTENERS}; route lines in the tests below start after it. */
    private static final int L = 5;

    @TempDir
    Path dir;

    private ConfigFixture f;

    private List<ConfigError> errors(String routes) {
        f = new ConfigFixture(dir);
        return f.errors(LISTENERS + routes);
    }

    @Test
    void endpointsMustBeHostPort() {
        List<ConfigError> e = errors("""
                routes = [{ name = r, listener = mtls
                  upstream {
                    endpoints = [
                      "10.0.0.5",
                      "::1:443",
                      "[::1]:443",
                      "origin:0",
                      "bad host:80"
                    ]
                  }
                }]
                """);
        assertError(e, f.main(), L + 4, "routes[0].upstream.endpoints[0]", "\"10.0.0.5\" (expected: host:port");
        assertError(e, f.main(), L + 5, "routes[0].upstream.endpoints[1]", "\"::1:443\" (expected: host:port");
        assertError(e, f.main(), L + 7, "routes[0].upstream.endpoints[3]", "\"origin:0\" (expected: host:port");
        assertError(e, f.main(), L + 8, "routes[0].upstream.endpoints[4]", "\"bad host:80\"");
        assertCount(4, e);
    }

    @Test
    void routeWithNoEndpointsOrNoUpstream() {
        List<ConfigError> e = errors("""
                routes = [
                  { name = a, listener = mtls
                    upstream {
                      endpoints = []
                    } }
                  { name = b, listener = mtls, match.path-prefix = /b
                    upstream { connect-timeout = 1s } }
                  { name = c, listener = mtls, match.path-prefix = /c }
                ]
                """);
        assertError(e, f.main(), L + 4, "routes[0].upstream.endpoints", "empty (expected: at least one host:port)");
        assertError(e, f.main(), L + 7, "routes[1].upstream.endpoints", "missing (expected: a list of host:port");
        assertError(e, f.main(), L + 8, "routes[2].upstream", "missing (expected: upstream {");
        assertCount(3, e);
    }

    @Test
    void pathPrefixMustStartWithSlashAndTcpRoutesTakeNone() {
        List<ConfigError> e = errors("""
                routes = [
                  { name = a, listener = mtls
                    match {
                      path-prefix = "orders"
                    }
                    upstream { endpoints = ["a:80"] } }
                  { name = b, listener = mtls, protocol = tcp
                    match {
                      host = "db.example.com"
                      path-prefix = "/db"
                    }
                    upstream { endpoints = ["b:5432"], protocol = h2 } }
                ]
                """);
        assertError(e, f.main(), L + 4, "routes[0].match.path-prefix", "\"orders\" (expected: a path starting with /");
        assertError(
                e, f.main(), L + 10, "routes[1].match.path-prefix", "\"/db\" on a tcp route (expected: no path-prefix");
        assertError(e, f.main(), L + 12, "routes[1].upstream.protocol", "h2 on a tcp route");
        assertCount(3, e);
    }

    @Test
    void upstreamMtlsNeedsAClientIdentity() {
        List<ConfigError> e = errors("""
                routes = [{ name = r, listener = mtls
                  upstream { endpoints = ["a:443"]
                    tls {
                      mode = mtls
                      trust-ca = "pki/origin-ca.crt"
                    }
                  }
                }]
                """);
        assertError(
                e, f.main(), L + 4, "routes[0].upstream.tls.cert", "missing (expected: the route's client identity");
        assertCount(1, e);
    }

    @Test
    void upstreamMtlsAcceptsAKeystore() throws Exception {
        f = new ConfigFixture(dir);
        ProxyConfig c = f.load(LISTENERS + """
                routes = [{ name = r, listener = mtls
                  upstream { endpoints = ["a:443"]
                    tls { mode = mtls, keystore = "pki/proxy.p12", keystore-password = "pw" } } }]
                """);
        KeyMaterial k = c.routes().get(0).upstream().tls().clientIdentity().orElseThrow();
        org.junit.jupiter.api.Assertions.assertEquals(
                dir.resolve("pki/proxy.p12"), k.keystore().orElseThrow().path());
    }

    @Test
    void tlsKeysOnPlainAndClientIdentityOnTls() {
        List<ConfigError> e = errors("""
                routes = [
                  { name = a, listener = mtls
                    upstream { endpoints = ["a:80"]
                      tls {
                        mode = plain
                        trust-ca = "pki/origin-ca.crt"
                        cert = "pki/client.crt"
                        key = "pki/client.key"
                      } } }
                  { name = b, listener = mtls, match.path-prefix = "/b"
                    upstream { endpoints = ["b:443"]
                      tls {
                        mode = tls
                        cert = "pki/client.crt"
                        key = "pki/client.key"
                      } } }
                ]
                """);
        assertError(e, f.main(), L + 6, "routes[0].upstream.tls.trust-ca", "given with mode = plain");
        assertError(e, f.main(), L + 7, "routes[0].upstream.tls.cert", "given with mode = plain");
        assertError(e, f.main(), L + 8, "routes[0].upstream.tls.key", "given with mode = plain");
        assertError(e, f.main(), L + 14, "routes[1].upstream.tls.cert", "mode = mtls only");
        assertError(e, f.main(), L + 15, "routes[1].upstream.tls.key", "mode = mtls only");
        assertCount(5, e);
    }

    @Test
    void allowListEntries() {
        List<ConfigError> e = errors("""
                routes = [{ name = r, listener = mtls
                  client-identity {
                    allow {
                      uri-sans = [
                        "spiffe://example.org/ns/prod/sa/ok",
                        "spiffe://example.org/ns/*",
                        "https://example.org/also/ok",
                        "just-a-name",
                        "spiffe://example.org/*/sa/x",
                        "spiffe:///no-trust-domain"
                      ]
                      sha256-fingerprints = [
                        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                        "0123"
                      ]
                      subjects = ["CN=ok,O=Example", "not a dn"]
                      dns-sans = ["*.ok.example.com", "bad_*.example.com"]
                    }
                  }
                  upstream { endpoints = ["a:80"] }
                }]
                """);
        assertError(
                e,
                f.main(),
                L + 8,
                "routes[0].client-identity.allow.uri-sans[3]",
                "\"just-a-name\" (expected: an absolute URI");
        assertError(e, f.main(), L + 9, "routes[0].client-identity.allow.uri-sans[4]", "expected: an absolute URI");
        assertError(e, f.main(), L + 10, "routes[0].client-identity.allow.uri-sans[5]", "with a trust domain");
        assertError(e, f.main(), L + 14, "routes[0].client-identity.allow.sha256-fingerprints[1]", "64 hex digits");
        assertError(
                e,
                f.main(),
                L + 16,
                "routes[0].client-identity.allow.subjects[1]",
                "\"not a dn\" (expected: a distinguished name");
        assertError(e, f.main(), L + 17, "routes[0].client-identity.allow.dns-sans[1]", "(expected: a DNS name");
        assertCount(6, e);
    }

    @Test
    void routeEnums() {
        List<ConfigError> e = errors("""
                routes = [{ name = r, listener = mtls
                  protocol = udp
                  forward-client-cert = sanitise
                  client-identity { mode = report_only }
                  upstream { endpoints = ["a:80"], protocol = h3, tls { mode = ssl } }
                }]
                """);
        assertError(e, f.main(), L + 2, "routes[0].protocol", "\"udp\" (expected: one of http, tcp)");
        assertError(
                e,
                f.main(),
                L + 3,
                "routes[0].forward-client-cert",
                "(expected: one of sanitize, sanitize-set, append-forward) (did you mean `sanitize`?)");
        assertError(e, f.main(), L + 5, "routes[0].upstream.protocol", "\"h3\" (expected: one of h1, h2)");
        assertError(e, f.main(), L + 5, "routes[0].upstream.tls.mode", "\"ssl\" (expected: one of plain, tls, mtls)");
        // report_only is a slip of report-only: normalization makes it a suggestion, not an error-free value
        assertError(e, f.main(), L + 4, "routes[0].client-identity.mode", "(did you mean `report-only`?)");
        assertCount(5, e);
    }

    @Test
    void matchHostMustBeAHostName() {
        List<ConfigError> e = errors("""
                routes = [{ name = r, listener = mtls
                  match { host = "api.example.com:443" }
                  upstream { endpoints = ["a:80"] } }]
                """);
        assertError(e, f.main(), L + 2, "routes[0].match.host", "\"api.example.com:443\" (expected: a host name");
        assertCount(1, e);
    }
}
