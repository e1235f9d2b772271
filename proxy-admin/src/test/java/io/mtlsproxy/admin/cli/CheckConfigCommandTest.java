package io.mtlsproxy.admin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.admin.testing.Cli;
import io.mtlsproxy.config.ConfigLoader;
import io.mtlsproxy.config.ProxyConfig;
import io.mtlsproxy.core.ca.CertificateAuthority;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.tls.CertificateUse;
import io.mtlsproxy.core.tls.TlsMaterialCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class CheckConfigCommandTest {
    /** The repository's conf/ (surefire runs in the module directory). */
    @TempDir
    Path dir;

    private Path copyShippedConf() throws IOException {
        return ExamplePki.copyShippedConf(dir);
    }

    @Test
    void shippedExamplePassesOnceItsPkiExists() throws Exception {
        Path conf = copyShippedConf();
        ExamplePki.write(conf.resolve("pki"));
        Cli.Result r = Cli.run(
                "check-config", "--config", conf.resolve("mtls-proxy.conf").toString());
        assertEquals("", r.err());
        assertEquals(0, r.exit());
        assertTrue(r.out().startsWith("configuration OK: "), r.out());
        for (String expected : List.of(
                "public",
                "0.0.0.0:8443",
                "mtls",
                "required",
                "web",
                "lb",
                "orders",
                "catalog",
                "website",
                "legacy",
                "payments",
                "ledger",
                "payments.internal:9443",
                "api.example.com/orders")) {
            assertTrue(r.out().contains(expected), () -> expected + " not in:\n" + r.out());
        }
        assertTrue(r.out().lines().count() < 50, "one screen");
    }

    @Test
    void aTcpRouteBesideTheGrpcRouteAndAListenerWithoutRoutesAreWarnedAbout() throws Exception {
        Path conf = copyShippedConf();
        ExamplePki.write(conf.resolve("pki"));
        // the example as it once was: the ledger's tcp route on "public", beside the gRPC route "catalog"
        Path routes = conf.resolve("routes.d/payments.conf");
        Files.writeString(routes, Files.readString(routes).replace("listener = ledger", "listener = public"));
        Path main = conf.resolve("mtls-proxy.conf");
        Cli.Result r = Cli.run("check-config", "--config", main.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("configuration OK: "), r.out());
        assertEquals(2, r.errLines().size(), r.err());
        assertEquals(
                main + ":" + blockOf(main, "name = catalog") + ": routes.catalog.upstream.protocol: warning: h2, "
                        + "but clients of listener public can only speak HTTP/1.1: its tcp route ledger (" + routes
                        + ":"
                        + blockOf(routes, "name = ledger")
                        + ") turns HTTP/2 off there, and gRPC needs HTTP/2 end to end "
                        + "(put tcp routes on a listener of their own)",
                r.errLines().get(1));
        assertEquals(
                main + ":" + blockOf(main, "name = ledger") + ": listeners.ledger: warning: no route names this "
                        + "listener: every request to it gets 404",
                r.errLines().get(0));
    }

    @Test
    void oneRouteIsOneRoute() throws Exception {
        Path file = dir.resolve("one.conf");
        Files.writeString(file, """
                listeners = [{ name = edge, bind = "127.0.0.1", port = 8080 }]
                routes = [{ name = app, listener = edge, upstream.endpoints = ["127.0.0.1:9"] }]
                """);
        Cli.Result r = Cli.run("check-config", "--config", file.toString());
        assertEquals("", r.err());
        assertTrue(r.out().lines().findFirst().orElseThrow().endsWith("(1 route from 1 file)"), r.out());
    }

    @Test
    void shippedExampleWithoutPkiReportsEveryMissingFileAndExits2() throws Exception {
        Path conf = copyShippedConf();
        Cli.Result r = Cli.run(
                "check-config", "--config", conf.resolve("mtls-proxy.conf").toString());
        assertEquals(2, r.exit());
        assertEquals("", r.out());
        // 3 server certificates (cert + key), client-ca and crl of public and of ledger; orders: trust-ca, cert,
        // key; catalog and legacy: trust-ca; payments and ledger (route file): trust-ca, cert, key each
        assertEquals(21, r.errLines().size(), r.err());
        for (String line : r.errLines()) {
            assertTrue(line.matches("^\\S+\\.conf:\\d+: [a-z\\[\\]0-9.-]+: no such file: .*"), line);
        }
        Path routeFile = conf.resolve("routes.d/payments.conf");
        int line = lineOf(routeFile, "trust-ca = \"../pki/payments-ca/ca.crt\"");
        assertTrue(
                r.errLines()
                        .contains(routeFile + ":" + line + ": routes[0].upstream.tls.trust-ca: no such file: "
                                + conf.resolve("pki/payments-ca/ca.crt")),
                r.err());
    }

    /** The line of the "{" that opens the block holding {@code marker}: a listener's or route's own line. */
    private static int blockOf(Path file, String marker) throws IOException {
        List<String> lines = Files.readAllLines(file);
        int line = lineOf(file, marker);
        while (!lines.get(line - 1).strip().equals("{")) {
            line--;
        }
        return line;
    }

    private static int lineOf(Path file, String marker) throws IOException {
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(marker)) {
                return i + 1;
            }
        }
        throw new AssertionError(marker + " not in " + file);
    }

    @Test
    void everyErrorOnStderrOnePerLineAndExit2() throws Exception {
        Files.createDirectories(dir.resolve("pki"));
        Files.writeString(dir.resolve("pki/server.crt"), "");
        Files.writeString(dir.resolve("pki/server.key"), "");
        Path file = dir.resolve("bad.conf");
        Files.writeString(file, """
                listeners = [{
                  name = edge
                  port = "abc"
                  tls {
                    mode = mtls
                    certificates = [{ cert = "pki/server.crt", key = "pki/server.key" }]
                    verify-dept = 2
                  }
                }]
                """);
        Cli.Result r = Cli.run("check-config", "--config", file.toString());
        assertEquals(2, r.exit());
        assertEquals("", r.out());
        assertEquals(
                List.of(
                        file + ":3: listeners[0].port: \"abc\" (expected: a number 0..65535)",
                        file + ":5: listeners[0].tls.client-ca: missing (expected: the CA bundle that verifies client"
                                + " certificates; required with mode = mtls)",
                        file + ":7: listeners[0].tls.verify-dept: unknown key (did you mean `verify-depth`?)"),
                r.errLines());
    }

    @Test
    void syntaxErrorIsOneLineNotAStackTrace() throws Exception {
        Path file = dir.resolve("broken.conf");
        Files.writeString(file, "listeners = [\n  { name = edge\n");
        Cli.Result r = Cli.run("check-config", "--config", file.toString());
        assertEquals(2, r.exit());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().startsWith(file + ":3: (syntax): "), r.err());
    }

    @Test
    void missingFileAndMissingOptionExit2() {
        Path nope = dir.resolve("nope.conf");
        Cli.Result r = Cli.run("check-config", "--config", nope.toString());
        assertEquals(2, r.exit());
        assertEquals(List.of(nope + ":0: (file): no such file (looked for " + nope + ")"), r.errLines());

        Cli.Result usage = Cli.run("check-config");
        assertEquals(2, usage.exit());
        assertTrue(usage.err().contains("--config"), usage.err());
    }

    @Test
    void summaryListsCertificatesWithDaysLeftAndState() throws Exception {
        Files.writeString(dir.resolve("lb.conf"), """
                listeners = [{ name = lb, bind = "::", port = 8080 }]
                routes = [{ name = app, listener = lb, match.path-prefix = /app
                  upstream { endpoints = ["[::1]:8081"], protocol = h2 } }]
                """);
        ProxyConfig config = ConfigLoader.load(dir.resolve("lb.conf"), java.util.Map.of());
        Instant now = Instant.now();
        CertificateAuthority ca =
                CertificateAuthority.createRoot("Summary CA", Duration.ofDays(3650), KeyAlgorithm.EC_P256);
        var leaf = ca.issue(CertificateSpec.server("api.example.com")
                .dns("api.example.com")
                .validity(
                        now.minus(Duration.ofDays(1)),
                        now.plus(Duration.ofDays(20)).plusSeconds(60))
                .build());
        TlsMaterialCheck.Result material = new TlsMaterialCheck.Result(
                List.of(),
                List.of(new CertificateUse(
                        CertificateUse.LISTENER_SERVER, "lb", dir.resolve("x.crt"), leaf.certificate())),
                List.of());
        String summary = CheckConfigCommand.summary(config, material, now);
        String row = summary.lines()
                .filter(l -> l.contains("listener-server"))
                .findFirst()
                .orElseThrow();
        assertTrue(row.matches("\\s+listener-server\\s+lb\\s+CN=api\\.example\\.com\\s+\\S+Z\\s+20\\s+expiring"), row);
        assertTrue(summary.contains("[::]:8080"), summary);
        assertTrue(
                summary.lines()
                        .anyMatch(l -> l.matches("\\s+app\\s+lb\\s+\\*/app\\s+http\\s+-\\s+plain/h2\\s+\\[::1]:8081")),
                summary);
    }
}
