package io.mtlsproxy.admin.cli.pki;

import static io.mtlsproxy.admin.cli.pki.Tools.opensslOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.admin.testing.Cli;
import io.mtlsproxy.core.ca.CrlDescription;
import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.certs.PkiFiles;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class RevokeCommandTest {
    @TempDir
    Path tmp;

    Path ca;

    @BeforeEach
    void makePki() {
        ca = tmp.resolve("ca");
        Cli.ok("pki", "init-ca", "--out", ca, "--cn", "Edge CA");
        Cli.ok("pki", "issue", "--ca", ca, "--type", "client", "--cn", "alice", "--out", tmp);
        Cli.ok("pki", "issue", "--ca", ca, "--type", "client", "--cn", "bob", "--out", tmp);
    }

    @Test
    void aRevokedCertificateIsListedAndRejectedByOpenssl() throws Exception {
        Cli.Result r = Cli.ok("pki", "revoke", "--ca", ca, "--cert", tmp.resolve("alice.crt"));
        String serial = serial("alice.crt");
        assertTrue(r.out().contains("revoked " + serial + " (CN=alice)"), r.out());

        Path crl = ca.resolve("crl.pem");
        assertEquals(
                "rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(crl)));
        String text = opensslOk("crl", "-in", crl, "-noout", "-text", "-CAfile", ca.resolve("ca.crt"));
        assertTrue(text.contains("Serial Number: " + serial.toUpperCase(Locale.ROOT)), text);
        assertTrue(text.contains("X509v3 CRL Number: \n                1"), text);

        Tools.Output revoked = Tools.openssl(
                "verify", "-crl_check", "-CAfile", ca.resolve("ca.crt"), "-CRLfile", crl, tmp.resolve("alice.crt"));
        assertNotEquals(0, revoked.exit(), revoked.text());
        assertTrue(revoked.text().contains("certificate revoked"), revoked.text());
        opensslOk("verify", "-crl_check", "-CAfile", ca.resolve("ca.crt"), "-CRLfile", crl, tmp.resolve("bob.crt"));
    }

    @Test
    void aSecondRevocationKeepsTheFirstAndCountsUp() throws Exception {
        Cli.ok("pki", "revoke", "--ca", ca, "--cert", tmp.resolve("alice.crt"), "--reason", "key-compromise");
        CrlDescription first = crl(ca.resolve("crl.pem"));
        Cli.Result r = Cli.ok(
                "pki",
                "revoke",
                "--ca",
                ca,
                "--cert",
                tmp.resolve("bob.crt"),
                "--cert",
                tmp.resolve("alice.crt"),
                "--next-update-days",
                "2");
        assertTrue(r.out().contains("already revoked " + serial("alice.crt")), r.out());

        CrlDescription second = crl(ca.resolve("crl.pem"));
        assertEquals(BigInteger.ONE, first.number().orElseThrow());
        assertEquals(BigInteger.TWO, second.number().orElseThrow());
        assertTrue(second.contains(new BigInteger(serial("alice.crt"), 16)));
        assertTrue(second.contains(new BigInteger(serial("bob.crt"), 16)));
        assertFalse(second.thisUpdate().isBefore(first.thisUpdate()));
        // entries revoked within the same second may come back in either order: compare alice's by serial
        var alice = first.entries().get(0);
        assertEquals(
                alice,
                second.entries().stream()
                        .filter(e -> e.serial().equals(alice.serial()))
                        .findFirst()
                        .orElseThrow(),
                "alice's entry kept as it was");
        Duration untilNext = Duration.between(Instant.now(), second.nextUpdate().orElseThrow());
        assertTrue(
                untilNext.compareTo(Duration.ofDays(2).minusMinutes(1)) > 0
                        && untilNext.compareTo(Duration.ofDays(2)) <= 0,
                untilNext.toString());
        String text = opensslOk("crl", "-in", ca.resolve("crl.pem"), "-noout", "-text");
        assertTrue(text.contains("Key Compromise"), text);
        Tools.Output bob = Tools.openssl(
                "verify",
                "-crl_check",
                "-CAfile",
                ca.resolve("ca.crt"),
                "-CRLfile",
                ca.resolve("crl.pem"),
                tmp.resolve("bob.crt"));
        assertNotEquals(0, bob.exit(), bob.text());
    }

    @Test
    void withoutACertificateItReSignsTheCrlForAnotherWeek() throws Exception {
        Cli.ok("pki", "revoke", "--ca", ca);
        CrlDescription empty = crl(ca.resolve("crl.pem"));
        assertTrue(empty.entries().isEmpty());
        assertEquals(
                7,
                Duration.between(Instant.now(), empty.nextUpdate().orElseThrow())
                        .plusMinutes(1)
                        .toDays());
        opensslOk(
                "verify",
                "-crl_check",
                "-CAfile",
                ca.resolve("ca.crt"),
                "-CRLfile",
                ca.resolve("crl.pem"),
                tmp.resolve("alice.crt"));
    }

    @Test
    void writesAnotherCrlFileWhenTold() throws Exception {
        Path other = tmp.resolve("published/edge.crl");
        Cli.ok("pki", "revoke", "--ca", ca, "--cert", tmp.resolve("bob.crt"), "--crl", other);
        assertTrue(crl(other).contains(new BigInteger(serial("bob.crt"), 16)));
        assertFalse(Files.exists(ca.resolve("crl.pem")));
    }

    @Test
    void refusesACertificateThisCaDidNotIssue() throws Exception {
        Path other = tmp.resolve("other");
        Cli.ok("pki", "init-ca", "--out", other, "--cn", "Edge CA"); // same name, other key
        Cli.ok("pki", "issue", "--ca", other, "--type", "client", "--cn", "mallory", "--out", other);
        Cli.usageError(
                "was issued by CN=Edge CA, not by this CA",
                "pki",
                "revoke",
                "--ca",
                ca,
                "--cert",
                other.resolve("mallory.crt"));
        assertFalse(Files.exists(ca.resolve("crl.pem")), "nothing written");

        Cli.usageError(
                "no certificate (expected: a PEM or DER certificate)",
                "pki",
                "revoke",
                "--ca",
                ca,
                "--cert",
                ca.resolve("ca.key"));
        Cli.usageError("absent.crt: no such file", "pki", "revoke", "--ca", ca, "--cert", tmp.resolve("absent.crt"));
        Cli.usageError(
                "reason: stolen (expected",
                "pki",
                "revoke",
                "--ca",
                ca,
                "--cert",
                tmp.resolve("bob.crt"),
                "--reason",
                "stolen");
    }

    private String serial(String file) throws Exception {
        return PkiFiles.firstCertificate(tmp.resolve(file)).getSerialNumber().toString(16);
    }

    private static CrlDescription crl(Path file) throws Exception {
        return CrlDescription.of(Pem.readCrls(Files.readAllBytes(file)).get(0));
    }
}
