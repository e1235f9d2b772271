package io.mtlsproxy.config;

import static io.mtlsproxy.config.ConfigFixture.assertCount;
import static io.mtlsproxy.config.ConfigFixture.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fleet settings: shutdown { drain-delay, grace } (shutdown-grace still works) and session-tickets. */
class FleetConfigTest {
    private static final String MINIMAL = """
            listeners = [{ name = lb, port = 8080 }]
            routes = [{ name = app, listener = lb, upstream { endpoints = ["127.0.0.1:8081"] } }]
            """;

    @TempDir
    Path dir;

    @Test
    void shutdownBlockSetsTheDelayAndTheGrace() throws Exception {
        ConfigFixture f = new ConfigFixture(dir);
        f.write("tickets.key", "x".repeat(80));
        ProxyConfig c = f.load(MINIMAL + """
                shutdown { drain-delay = 5s, grace = 20s }
                session-tickets { keys = "tickets.key" }
                """);
        assertEquals(Duration.ofSeconds(5), c.drainDelay());
        assertEquals(Duration.ofSeconds(20), c.shutdownGrace());
        assertEquals(
                dir.resolve("tickets.key"), c.sessionTicketKeys().orElseThrow().path());
        assertTrue(
                c.watchedFiles()
                        .contains(dir.resolve("tickets.key").toAbsolutePath().normalize()),
                "a new key file is picked up by the file watch");
    }

    @Test
    void theOlderShutdownGraceStillWorksAndDefaultsStay() throws Exception {
        ConfigFixture f = new ConfigFixture(dir);
        ProxyConfig old = f.load(MINIMAL + "shutdown-grace = 12s\n");
        assertEquals(Duration.ofSeconds(12), old.shutdownGrace());
        assertEquals(Duration.ZERO, old.drainDelay());
        assertEquals(Optional.empty(), old.sessionTicketKeys());
        ProxyConfig delayOnly = f.load(MINIMAL + "shutdown-grace = 12s\nshutdown.drain-delay = 3s\n");
        assertEquals(Duration.ofSeconds(12), delayOnly.shutdownGrace());
        assertEquals(Duration.ofSeconds(3), delayOnly.drainDelay());
    }

    @Test
    void mistakesAreReportedAtTheirLine() {
        ConfigFixture f = new ConfigFixture(dir);
        String text = MINIMAL + """
                shutdown-grace = 12s
                shutdown {
                  grace = 10s
                  drain-delay = 5
                  drain-dely = 2s
                }
                session-tickets {
                  keys = "missing.key"
                }
                """;
        List<ConfigError> e = f.errors(text);
        assertError(e, f.main(), 5, "shutdown.grace", "given together with shutdown-grace");
        assertError(e, f.main(), 6, "shutdown.drain-delay", "expected: a duration with a unit");
        assertError(e, f.main(), 7, "shutdown.drain-dely", "");
        assertError(e, f.main(), 10, "session-tickets.keys", "no such file");
        assertCount(4, e);
    }

    @Test
    void adminHealthAndAuth() throws Exception {
        ConfigFixture f = new ConfigFixture(dir);
        f.write("admin.token", "t0ken\n");
        ProxyConfig c = f.load(MINIMAL + """
                admin {
                  health { port = 9902 }
                  auth {
                    token-file = "admin.token"
                    tls { cert = "pki/server.crt", key = "pki/server.key", client-ca = "pki/clients-ca.crt" }
                    allow { subjects = ["CN=oncall"] }
                  }
                }
                """);
        assertEquals(
                Optional.of(new AdminConfig.Health("0.0.0.0", 9902)), c.admin().health());
        AdminConfig.Auth auth = c.admin().auth().orElseThrow();
        assertEquals(dir.resolve("admin.token"), auth.tokenFile().orElseThrow().path());
        assertEquals(
                dir.resolve("pki/clients-ca.crt"),
                auth.tls().orElseThrow().clientCa().path());
        assertEquals(List.of("CN=oncall"), auth.allow().subjects());
        assertTrue(
                c.watchedFiles()
                        .contains(dir.resolve("admin.token").toAbsolutePath().normalize()),
                "a rotated token is picked up by the file watch");
    }

    @Test
    void adminAuthMistakes() {
        ConfigFixture f = new ConfigFixture(dir);
        String text = MINIMAL + """
                admin {
                  health { bind = "not-an-address!" }
                  auth {
                    allow { subjects = ["CN=oncall"] }
                  }
                }
                """;
        List<ConfigError> e = f.errors(text);
        assertError(e, f.main(), 4, "admin.health.port", "missing");
        assertError(e, f.main(), 4, "admin.health.bind", "expected: an IP address");
        assertError(e, f.main(), 5, "admin.auth", "neither token-file nor tls");
        assertError(e, f.main(), 6, "admin.auth.allow", "without tls");
        assertCount(4, e);
    }

    @Test
    void awsVpceIdsAreAnAllowListEntryThatNeedsNoClientCertificate() throws Exception {
        ConfigFixture f = new ConfigFixture(dir);
        ProxyConfig c = f.load("""
                listeners = [{ name = lb, port = 8080, proxy-protocol = true }]
                routes = [{ name = app, listener = lb, upstream { endpoints = ["127.0.0.1:8081"] }
                  client-identity.allow.aws-vpce-ids = ["vpce-0123456789ABCDEF0"] }]
                """);
        assertEquals(
                List.of("vpce-0123456789abcdef0"),
                c.routes().get(0).clientIdentity().allow().awsVpceIds());
        String bad = """
                listeners = [{ name = lb, port = 8080, proxy-protocol = true }]
                routes = [{ name = app, listener = lb, upstream { endpoints = ["127.0.0.1:8081"] }
                  client-identity.allow.aws-vpce-ids = ["vpc-123"] }]
                """;
        List<ConfigError> e = f.errors(bad);
        assertError(e, f.main(), 3, "routes[0].client-identity.allow.aws-vpce-ids[0]", "expected: an AWS VPC endpoint");
        assertCount(1, e);
    }
}
