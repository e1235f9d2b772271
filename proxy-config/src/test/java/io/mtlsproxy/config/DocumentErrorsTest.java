package io.mtlsproxy.config;

import static io.mtlsproxy.config.ConfigFixture.assertCount;
import static io.mtlsproxy.config.ConfigFixture.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole-file problems: syntax, substitutions, unknown keys, route files; and all of them in one run. */
class DocumentErrorsTest {
    @TempDir
    Path dir;

    @Test
    void unknownKeyNearAKnownOneGetsASuggestion() {
        ConfigFixture f = new ConfigFixture(dir);
        List<ConfigError> e = f.errors("""
                listeners = [{ name = edge, port = 0
                  tls {
                    mode = mtls
                    client-ca = "pki/clients-ca.crt"
                    certificates = [{ cert = "pki/server.crt", key = "pki/server.key" }]
                    verify-dept = 3
                    colour = blue
                  }
                }]
                """);
        assertError(e, f.main(), 6, "listeners[0].tls.verify-dept", "unknown key (did you mean `verify-depth`?)");
        ConfigError colour = assertError(e, f.main(), 7, "listeners[0].tls.colour", "unknown key");
        assertEquals("unknown key", colour.message(), "nothing near: no suggestion");
        assertCount(2, e);
    }

    @Test
    void anOverrideInsideAListNeverPrintsTheEnvironment() {
        ConfigFixture f = new ConfigFixture(dir).env(Map.of("EDGE_PORT", "9443", "DB_PASSWORD", "s3cret"));
        List<ConfigError> e = f.errors("""
                listeners = [{ name = edge
                  port = 8443
                  port = ${?EDGE_PORT}
                }]
                """);
        for (ConfigError error : e) {
            assertFalse(error.toString().contains("s3cret"), error::toString);
        }
        // the line of the first ${...}: where the operator looks
        assertError(e, f.main(), 3, "(syntax)", "a key set twice with a ${?VAR} override inside a list element");
    }

    @Test
    void fiveProblemsInOneRun() {
        ConfigFixture f = new ConfigFixture(dir);
        List<ConfigError> e = f.errors("""
                admin { prot = 9901 }
                listeners = [{
                  name = edge
                  port = "abc"
                  tls {
                    mode = mtls
                    certificates = [{ cert = "pki/missing.crt", key = "pki/server.key" }]
                    client-ca = "pki/clients-ca.crt"
                    verify-depth = 0
                  }
                }]
                routes = [{ name = r, listener = egde, upstream { endpoints = ["a:80"] } }]
                """);
        assertError(e, f.main(), 1, "admin.prot", "unknown key (did you mean `port`?)");
        assertError(e, f.main(), 4, "listeners[0].port", "\"abc\" (expected: a number 0..65535)");
        assertError(e, f.main(), 7, "listeners[0].tls.certificates[0].cert", "no such file");
        assertError(e, f.main(), 9, "listeners[0].tls.verify-depth", "0 (expected: 1..10)");
        assertError(e, f.main(), 12, "routes[0].listener", "(did you mean `edge`?)");
        assertCount(5, e);
        List<Integer> lines = e.stream().map(x -> x.source().line()).toList();
        assertEquals(List.of(1, 4, 7, 9, 12), lines, "sorted by file and line");
    }

    @Test
    void syntaxErrorNamesFileAndLine() {
        ConfigFixture f = new ConfigFixture(dir);
        List<ConfigError> e = f.errors("""
                listeners = [{ name = edge, port = 0 }]
                routes = [
                  { name = r
                """);
        assertCount(1, e);
        assertEquals(f.main().toString(), e.get(0).source().file());
        assertEquals("(syntax)", e.get(0).key());
        assertEquals(4, e.get(0).source().line());
    }

    @Test
    void missingMainFile() {
        Path nope = dir.resolve("nope.conf");
        ConfigException ex = assertThrows(ConfigException.class, () -> ConfigLoader.load(nope, Map.of()));
        assertEquals(
                nope + ":0: (file): no such file (looked for " + nope + ")",
                ex.errors().get(0).toString());
    }

    @Test
    void unresolvedSubstitutionNamesItsKey() {
        ConfigFixture f = new ConfigFixture(dir);
        List<ConfigError> e = f.errors("""
                listeners = [{
                  name = edge
                  port = ${EDGE_PORT}
                }]
                """);
        assertError(e, f.main(), 3, "listeners[0].port", "cannot resolve ${EDGE_PORT}");
        assertCount(1, e);
    }

    @Test
    void substitutedValueIsReportedAtTheLineOfItsKey() {
        ConfigFixture f = new ConfigFixture(dir).env(Map.of("EDGE_PORT", "eighty"));
        List<ConfigError> e = f.errors("""
                listeners = [{
                  name = edge
                  port = ${EDGE_PORT}
                }]
                """);
        assertError(e, f.main(), 3, "listeners[0].port", "\"eighty\" (expected: a number 0..65535)");
    }

    @Test
    void routeFileErrorsNameTheRouteFileAndItsLines() {
        ConfigFixture f = new ConfigFixture(dir);
        Path team = f.write("routes.d/team.conf", """
                # owned by the payments team
                routes = [
                  { name = pay, listener = edge, match.path-prefix = "/pay"
                    upstream {
                      endpoints = ["pay:443"]
                      tls { mode = tls, trust-ca = "../pki/missing-ca.crt" }
                    } }
                ]
                listeners = []
                """);
        Path broken = f.write("routes.d/zz-broken.conf", "routes = [ { name = \n");
        List<ConfigError> e = f.errors("""
                listeners = [{ name = edge, port = 0 }]
                routes-dir = "routes.d"
                """);
        assertError(
                e, team, 6, "routes[0].upstream.tls.trust-ca", "no such file: " + dir.resolve("pki/missing-ca.crt"));
        assertError(e, team, 9, "listeners", "unknown key (expected: a route file holds only routes = [...])");
        assertEquals(
                1,
                e.stream()
                        .filter(x -> x.source().file().equals(broken.toString())
                                && x.key().equals("(syntax)"))
                        .count(),
                () -> ConfigFixture.render(e));
        assertCount(3, e);
    }

    @Test
    void duplicateRouteAcrossMainAndRouteFile() {
        ConfigFixture f = new ConfigFixture(dir);
        Path team = f.write("routes.d/team.conf", """
                routes = [
                  { name = b, listener = edge, match.path-prefix = "/b", upstream.endpoints = ["b:80"] }
                  {
                    name = orders
                    listener = edge
                    match.path-prefix = "/orders2"
                    upstream.endpoints = ["b:80"]
                  }
                ]
                """);
        List<ConfigError> e = f.errors("""
                listeners = [{ name = edge, port = 0 }]
                routes-dir = "routes.d"
                routes = [{ name = orders, listener = edge, match.path-prefix = "/orders"
                  upstream.endpoints = ["a:80"] }]
                """);
        assertError(
                e, team, 4, "routes[1].name", "duplicate route name \"orders\" (first defined at " + f.main() + ":3");
        assertCount(1, e);
    }

    @Test
    void aRelativeMainFileGivesRelativeNamesInErrors() {
        ConfigFixture f = new ConfigFixture(dir);
        f.write("routes.d/a.conf", "routes = [{ name = a, listener = nope, upstream.endpoints = [\"a:80\"] }]\n");
        f.write("mtls-proxy.conf", "listeners = [{ name = edge, port = x }]\nroutes-dir = routes.d\n");
        Path relative = Path.of("").toAbsolutePath().relativize(f.main().toAbsolutePath());
        ConfigException ex = assertThrows(ConfigException.class, () -> ConfigLoader.load(relative, Map.of()));
        Path relativeDir = relative.getParent();
        assertEquals(
                List.of(
                        relative + ":1: listeners[0].port: \"x\" (expected: a number 0..65535)",
                        relativeDir.resolve("routes.d/a.conf") + ":1: routes[0].listener: \"nope\" names no listener"
                                + " (expected: one of edge)"),
                ex.errors().stream().map(ConfigError::toString).toList());
    }

    @Test
    void missingRoutesDir() {
        ConfigFixture f = new ConfigFixture(dir);
        List<ConfigError> e = f.errors("""
                listeners = [{ name = edge, port = 0 }]
                routes-dir = "routes.missing"
                """);
        assertError(e, f.main(), 2, "routes-dir", "no such directory");
        assertCount(1, e);
    }

    @Test
    void errorToStringIsFileLineKeyMessage() {
        ConfigError e =
                new ConfigError(new Source("conf/x.conf", 12), "listeners[0].tls.verify-depth", "0 (expected: 1..10)");
        assertEquals("conf/x.conf:12: listeners[0].tls.verify-depth: 0 (expected: 1..10)", e.toString());
    }
}
