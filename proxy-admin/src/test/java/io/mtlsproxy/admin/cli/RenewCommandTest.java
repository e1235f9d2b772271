package io.mtlsproxy.admin.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.admin.testing.Cli;
import io.mtlsproxy.core.ca.CaDirectory;
import io.mtlsproxy.core.ca.CertificateAuthority;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.certs.IssuedCertificate;
import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.certs.PkiFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code mtls-proxy renew}: one pass for cron, a dry run to try an issuer, and exit codes scripts can trust. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RenewCommandTest {
    @TempDir
    Path dir;

    private Path config;

    @BeforeEach
    void labWithAFreshCertificate() throws Exception {
        CaDirectory lab = CaDirectory.create(
                dir.resolve("lab"),
                CertificateAuthority.createRoot("Lab CA", Duration.ofDays(30), KeyAlgorithm.EC_P256),
                false);
        IssuedCertificate cert = lab.authority()
                .issue(CertificateSpec.server("api.example.com")
                        .dns("api.example.com")
                        .validity(Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(10)))
                        .build());
        Pem.writeKey(dir.resolve("api.key"), cert.privateKey());
        Pem.writePublic(dir.resolve("api.crt"), cert.certificate());
        config = dir.resolve("proxy.conf");
        Files.writeString(config, """
                issuers { lab { type = local-ca, ca-dir = "lab", validity = 10d } }
                listeners = [{ name = public, bind = "127.0.0.1", port = 0, tls {
                  mode = tls, certificates = [{ cert = "api.crt", key = "api.key", renew { issuer = lab } }]
                } }]
                """);
    }

    @Test
    void nothingDueIsExitZeroAndTouchesNothing() throws Exception {
        byte[] before = Files.readAllBytes(dir.resolve("api.crt"));
        Cli.Result r = Cli.run("renew", "--config", config.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("not-due: listener-server public (issuer lab): renews at "), r.out());
        assertArrayEquals(before, Files.readAllBytes(dir.resolve("api.crt")));
    }

    @Test
    void aDryRunAsksTheIssuerAndChecksTheChainButWritesNothing() throws Exception {
        byte[] before = Files.readAllBytes(dir.resolve("api.crt"));
        Cli.Result r = Cli.run("renew", "--config", config.toString(), "--dry-run", "--force");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("would-renew: listener-server public (issuer lab): serial "), r.out());
        assertTrue(r.out().contains("(dry run: nothing written)"), r.out());
        assertArrayEquals(before, Files.readAllBytes(dir.resolve("api.crt")));
    }

    @Test
    void aForcedPassRenewsAndAFailedOneExitsOne() throws Exception {
        String oldSerial = PkiFiles.firstCertificate(dir.resolve("api.crt"))
                .getSerialNumber()
                .toString(16);
        Cli.Result renewed = Cli.run("renew", "--config", config.toString(), "--owner", "public", "--force");
        assertEquals(0, renewed.exit(), renewed.err());
        assertTrue(renewed.out().startsWith("renewed: listener-server public"), renewed.out());
        assertFalse(renewed.out().contains(oldSerial));
        assertFalse(
                oldSerial.equals(PkiFiles.firstCertificate(dir.resolve("api.crt"))
                        .getSerialNumber()
                        .toString(16)),
                "a new certificate on disk");

        Files.delete(dir.resolve("lab/ca.key")); // the CA's key went away after the config was checked
        Files.writeString(dir.resolve("lab/ca.key"), "not a key");
        Cli.Result failed = Cli.run("renew", "--config", config.toString(), "--force");
        assertEquals(1, failed.exit(), failed.out());
        assertTrue(failed.err().startsWith("failed: listener-server public (issuer lab): local-ca:"), failed.err());
    }

    @Test
    void aConfigurationProblemIsExitTwo() throws Exception {
        Files.writeString(config, Files.readString(config).replace("issuer = lab", "issuer = labb"));
        Cli.Result r = Cli.run("renew", "--config", config.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("renew.issuer: \"labb\" names no issuer"), r.err());
        Cli.Result unknownOwner =
                Cli.run("renew", "--config", dir.resolve("none.conf").toString());
        assertEquals(2, unknownOwner.exit());
    }
}
