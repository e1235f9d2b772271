package io.mtlsproxy.config;

import static io.mtlsproxy.config.ConfigFixture.assertCount;
import static io.mtlsproxy.config.ConfigFixture.assertError;
import static io.mtlsproxy.config.ConfigFixture.line;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code issuers}, {@code renewal} and {@code renew} blocks: a renewal that could never work is a
 * {@code check-config} error at the line that causes it, never a surprise at the first renewal weeks later.
 */
class RenewalConfigTest {
    @TempDir
    Path dir;

    private ConfigFixture fixture() throws Exception {
        ConfigFixture f = new ConfigFixture(dir);
        Files.createDirectories(dir.resolve("lab"));
        Files.writeString(dir.resolve("lab/ca.crt"), "");
        Files.writeString(dir.resolve("lab/ca.key"), "");
        Path sign = f.write("bin/sign-csr", "#!/bin/sh\n");
        Files.setPosixFilePermissions(sign, PosixFilePermissions.fromString("rwx------"));
        return f;
    }

    @Test
    void everyIssuerTypeAndRenewBlockIsRead() throws Exception {
        ConfigFixture f = fixture();
        ProxyConfig c =
                f.load("""
                issuers {
                  public-acme {
                    type = acme
                    directory = "https://acme.example/dir"
                    account-key = "state/acme.key"
                    contact = ["mailto:ops@example.com"]
                    challenge = http-01
                    challenge-listener = plain
                  }
                  lab { type = local-ca, ca-dir = "lab", validity = 24h }
                  vault { type = exec, command = ["bin/sign-csr", "--role", "edge"], timeout = 30s }
                }
                renewal { check-interval = 30m, retry-initial = 30s, retry-max = 2h }
                listeners = [
                  { name = plain, port = 0 }
                  { name = public, port = 0, tls {
                      mode = tls
                      certificates = [{ cert = "pki/server.crt", key = "pki/server.key",
                                        renew { issuer = public-acme, before = 30d, dns-sans = ["api.example.com"] } }]
                  } }
                ]
                routes = [{ name = orders, listener = public, upstream {
                  endpoints = ["127.0.0.1:9443"]
                  tls { mode = mtls, cert = "pki/client.crt", key = "pki/client.key",
                        renew { issuer = lab, before = "25%", key-type = rsa-2048 } }
                } }]
                """.replace("state/acme.key", dir.resolve("acme.key").toString()));
        assertEquals(
                List.of("lab", "public-acme", "vault"), List.copyOf(c.issuers().keySet()));
        AcmeIssuerConfig acme = (AcmeIssuerConfig) c.issuers().get("public-acme");
        assertEquals(AcmeChallenge.HTTP_01, acme.challenge());
        assertEquals(List.of("mailto:ops@example.com"), acme.contact());
        assertEquals(Duration.ofHours(24), ((LocalCaIssuerConfig) c.issuers().get("lab")).validity());
        ExecIssuerConfig vault = (ExecIssuerConfig) c.issuers().get("vault");
        assertEquals(List.of(dir.resolve("bin/sign-csr").toString(), "--role", "edge"), vault.command());
        assertEquals(
                new RenewalConfig(Duration.ofMinutes(30), Duration.ofSeconds(30), Duration.ofHours(2)), c.renewal());

        RenewSpec server =
                c.listeners().get(1).tls().certificates().get(0).renew().orElseThrow();
        assertEquals(Optional.of(Duration.ofDays(30)), server.before().duration());
        assertEquals(Optional.of(List.of("api.example.com")), server.dnsSans());
        RenewSpec client = c.routes()
                .get(0)
                .upstream()
                .tls()
                .clientIdentity()
                .orElseThrow()
                .renew()
                .orElseThrow();
        assertEquals(0.25, client.before().share());
        assertEquals(RenewKeyType.RSA_2048, client.keyType());
    }

    @Test
    void aShareOfTheLifetimeAndADurationGiveTheRenewalTime() {
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        Instant end = start.plus(Duration.ofDays(90));
        assertEquals(
                end.minus(Duration.ofDays(30)),
                new RenewBefore(Optional.of(Duration.ofDays(30)), 0).renewAt(start, end));
        assertEquals(
                start.plus(Duration.ofDays(60)),
                new RenewBefore(Optional.empty(), 1.0 / 3)
                        .renewAt(start, end)
                        .truncatedTo(java.time.temporal.ChronoUnit.DAYS));
        assertEquals(
                start.plus(Duration.ofDays(45)),
                new RenewBefore(Optional.of(Duration.ofDays(365)), 0).renewAt(start, end),
                "a window longer than the lifetime counts as half of it");
    }

    @Test
    void everyRenewalMistakeIsReportedAtItsLine() throws Exception {
        ConfigFixture f = fixture();
        String text = """
                issuers {
                  broken-acme { type = acme, challenge-listener = nowhere }
                  wrong-listener { type = acme, directory = "https://acme.example/dir", challenge = http-01, challenge-listener = public }
                  kinds { type = letsencrypt }
                  lab { type = local-ca, ca-dir = "missing" }
                  vault { type = exec, command = [] }
                }
                renewal { retry-initial = 10m, retry-max = 1m }
                listeners = [
                  { name = public, port = 0, tls {
                      mode = tls
                      certificates = [
                        { cert = "pki/server.crt", key = "pki/server.key", renew { issuer = labb, before = "150%" } }
                        { keystore = "pki/proxy.p12", renew { issuer = lab } }
                      ]
                  } }
                ]
                """;
        List<ConfigError> e = f.errors(text);
        Path m = f.main();
        assertError(e, m, line(text, "broken-acme"), "issuers.broken-acme.directory", "missing");
        assertError(
                e,
                m,
                line(text, "broken-acme"),
                "issuers.broken-acme.challenge-listener",
                "\"nowhere\" names no listener");
        assertError(
                e,
                m,
                line(text, "wrong-listener"),
                "issuers.wrong-listener.challenge-listener",
                "cannot answer http-01");
        assertError(e, m, line(text, "kinds"), "issuers.kinds.type", "expected: one of acme, local-ca, exec");
        assertError(e, m, line(text, "lab {"), "issuers.lab.ca-dir", "no readable ca.crt");
        assertError(e, m, line(text, "vault"), "issuers.vault.command", "missing");
        assertError(e, m, line(text, "retry-max"), "renewal.retry-max", "shorter than retry-initial");
        assertError(
                e, m, line(text, "labb"), "listeners[0].tls.certificates[0].renew.issuer", "\"labb\" names no issuer");
        assertError(e, m, line(text, "labb"), "listeners[0].tls.certificates[0].renew.before", "between 1% and 99%");
        assertError(
                e, m, line(text, "proxy.p12"), "listeners[0].tls.certificates[1].renew", "renewal writes PEM files");
        assertCount(10, e);
    }

    @Test
    void aCertificateInADirectoryTheProxyCannotWriteIsAnErrorBeforeTheFirstRenewal() throws Exception {
        ConfigFixture f = fixture();
        Path locked = Files.createDirectories(dir.resolve("locked"));
        Files.writeString(locked.resolve("server.crt"), "");
        Files.writeString(locked.resolve("server.key"), "");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-x------"));
        try {
            org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(locked), "root writes anywhere");
            String text = """
                    issuers { lab { type = local-ca, ca-dir = "lab" } }
                    listeners = [{ name = public, port = 0, tls { mode = tls, certificates = [
                      { cert = "locked/server.crt", key = "locked/server.key", renew { issuer = lab } }
                    ] } }]
                    """;
            List<ConfigError> e = f.errors(text);
            assertTrue(
                    e.stream().anyMatch(x -> x.message().contains("its directory cannot be written")),
                    ConfigFixture.render(e));
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
        }
    }
}
