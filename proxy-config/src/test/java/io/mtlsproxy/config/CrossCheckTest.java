package io.mtlsproxy.config;

import static io.mtlsproxy.config.ConfigFixture.assertCount;
import static io.mtlsproxy.config.ConfigFixture.assertError;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checks between listeners and routes: uniqueness, ports, references and identity demands. */
class CrossCheckTest {
    @TempDir
    Path dir;

    private ConfigFixture f;

    private List<ConfigError> errors(String text) {
        f = new ConfigFixture(dir);
        return f.errors(text);
    }

    @Test
    void duplicateListenerNames() {
        List<ConfigError> e = errors("""
                listeners = [
                  { name = edge, port = 0 }
                  {
                    name = edge
                    port = 0
                  }
                ]
                """);
        assertError(
                e,
                f.main(),
                4,
                "listeners[1].name",
                "duplicate listener name \"edge\" (first defined at " + f.main() + ":2");
        assertCount(1, e);
    }

    @Test
    void twoListenersOnOnePort() {
        List<ConfigError> e = errors("""
                admin { port = 8081 }
                listeners = [
                  { name = a, bind = "0.0.0.0", port = 8080 }
                  { name = b, bind = "127.0.0.1",
                    port = 8080 }
                  { name = c, bind = "127.0.0.1", port = 9090 }
                  { name = d, bind = "127.0.0.2", port = 9090 }
                  { name = e, bind = "127.0.0.1", port = 0 }
                  { name = f, bind = "127.0.0.1", port = 0 }
                  { name = g, bind = "::", port = 8081 }
                ]
                """);
        assertError(
                e, f.main(), 5, "listeners[1].port", "8080 on 127.0.0.1 is already used by listener \"a\" on 0.0.0.0");
        // the admin endpoint (127.0.0.1:8081) and listener g (:::8081, every address) collide too
        assertError(e, f.main(), 1, "admin.port", "8081 on 127.0.0.1 is already used by listener \"g\"");
        assertCount(2, e);
    }

    @Test
    void routeNamingAnUnknownListener() {
        List<ConfigError> e = errors("""
                listeners = [{ name = public, port = 0 }, { name = internal, port = 0 }]
                routes = [{
                  name = r
                  listener = publik
                  upstream { endpoints = ["a:80"] }
                }]
                """);
        assertError(
                e,
                f.main(),
                4,
                "routes[0].listener",
                "\"publik\" names no listener (expected: one of public," + " internal) (did you mean `public`?)");
        assertCount(1, e);
    }

    @Test
    void duplicateRouteNamesAndMatches() {
        List<ConfigError> e = errors("""
                listeners = [{ name = a, port = 0 }]
                routes = [
                  { name = one, listener = a, match { host = "API.example.com", path-prefix = "/x" }
                    upstream { endpoints = ["a:80"] } }
                  { name = one, listener = a, match { host = "api.example.com", path-prefix = "/y" }
                    upstream { endpoints = ["a:80"] } }
                  { name = two, listener = a
                    match { host = "api.EXAMPLE.com", path-prefix = "/x" }
                    upstream { endpoints = ["a:80"] } }
                  { name = three, listener = a, match { path-prefix = "/x" }
                    upstream { endpoints = ["a:80"] } }
                ]
                """);
        assertError(
                e, f.main(), 5, "routes[1].name", "duplicate route name \"one\" (first defined at " + f.main() + ":3");
        assertError(e, f.main(), 8, "routes[2].match", "same match as route \"one\" (" + f.main() + ":3)");
        assertCount(2, e);
    }

    @Test
    void identityDemandOnAListenerWithoutClientCertificates() {
        List<ConfigError> e = errors("""
                listeners = [
                  { name = lb, port = 0 }
                  { name = tls, port = 0
                    tls { mode = tls, certificates = [{ cert = "pki/server.crt", key = "pki/server.key" }] } }
                ]
                routes = [
                  { name = a, listener = lb
                    client-identity {
                      require = true
                    }
                    upstream { endpoints = ["a:80"] } }
                  { name = b, listener = tls
                    client-identity {
                      allow { uri-sans = ["spiffe://example.org/x"] }
                    }
                    upstream { endpoints = ["a:80"] } }
                  { name = c, listener = tls, match.path-prefix = /c
                    client-identity { require = false, mode = report-only }
                    upstream { endpoints = ["a:80"] } }
                ]
                """);
        assertError(
                e,
                f.main(),
                9,
                "routes[0].client-identity.require",
                "require = true can never be satisfied:" + " listener \"lb\" has tls.mode = none");
        assertError(
                e,
                f.main(),
                14,
                "routes[1].client-identity.allow",
                "an allow-list can never be satisfied:" + " listener \"tls\" has tls.mode = tls");
        assertCount(2, e);
    }

    @Test
    void tcpRouteOnAPlainListenerCannotMatchAHost() {
        List<ConfigError> e = errors("""
                listeners = [{ name = lb, port = 0 }]
                routes = [{ name = db, listener = lb, protocol = tcp
                  match { host = "db.example.com" }
                  upstream { endpoints = ["db:5432"] } }]
                """);
        assertError(e, f.main(), 3, "routes[0].match.host", "there is no SNI");
        assertCount(1, e);
    }
}
