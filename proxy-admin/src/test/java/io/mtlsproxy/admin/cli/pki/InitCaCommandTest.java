package io.mtlsproxy.admin.cli.pki;

import static io.mtlsproxy.admin.cli.pki.Tools.opensslOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.admin.Main;
import io.mtlsproxy.admin.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class InitCaCommandTest {
    @TempDir
    Path tmp;

    @Test
    void makesAnEcP256CaForTenYearsWithPrivateKey() throws Exception {
        Path ca = tmp.resolve("edge");
        assertEquals(
                0,
                Main.execute("pki", "init-ca", "--out", ca.toString(), "--cn", "Example edge CA", "--org", "Example"));

        assertEquals("rw-------", mode(ca.resolve("ca.key")));
        assertEquals("rw-r--r--", mode(ca.resolve("ca.crt")));
        String text = opensslOk("x509", "-in", ca.resolve("ca.crt"), "-noout", "-text");
        assertTrue(text.contains("Subject: O = Example, CN = Example edge CA"), text);
        assertTrue(text.contains("CA:TRUE"), text);
        assertTrue(text.contains("Certificate Sign, CRL Sign"), text);
        assertTrue(text.contains("NIST CURVE: P-256"), text);
        assertEquals(3650, Tools.validityDays(text));
        opensslOk("verify", "-CAfile", ca.resolve("ca.crt"), ca.resolve("ca.crt"));
        opensslOk("pkey", "-in", ca.resolve("ca.key"), "-noout");
    }

    @Test
    void refusesToReplaceACaUnlessForced() throws Exception {
        Path ca = tmp.resolve("ca");
        Cli.ok("pki", "init-ca", "--out", ca, "--cn", "First", "--days", "30");
        String first = Files.readString(ca.resolve("ca.crt"));
        String firstKey = Files.readString(ca.resolve("ca.key"));

        Cli.usageError("a CA is already there", "pki", "init-ca", "--out", ca, "--cn", "Second");
        assertEquals(first, Files.readString(ca.resolve("ca.crt")));
        assertEquals(firstKey, Files.readString(ca.resolve("ca.key")));

        Cli.ok("pki", "init-ca", "--out", ca, "--cn", "Second", "--force");
        assertNotEquals(first, Files.readString(ca.resolve("ca.crt")));
        assertTrue(opensslOk("x509", "-in", ca.resolve("ca.crt"), "-noout", "-subject")
                .contains("CN = Second"));
    }

    @Test
    void makesRsa2048CasThatSignRsaLeaves() {
        Path ca = tmp.resolve("rsa");
        Cli.ok("pki", "init-ca", "--out", ca, "--cn", "RSA CA", "--key", "rsa-2048", "--days", "100");
        String text = opensslOk("x509", "-in", ca.resolve("ca.crt"), "-noout", "-text");
        assertTrue(text.contains("Public-Key: (2048 bit)"), text);
        assertTrue(text.contains("sha256WithRSAEncryption"), text);
        assertEquals(100, Tools.validityDays(text));

        Cli.ok(
                "pki",
                "issue",
                "--ca",
                ca,
                "--type",
                "server",
                "--cn",
                "rsa.example",
                "--key",
                "rsa-2048",
                "--days",
                "30",
                "--out",
                tmp);
        String leaf = opensslOk("x509", "-in", tmp.resolve("rsa.example.crt"), "-noout", "-text");
        assertTrue(leaf.contains("Public-Key: (2048 bit)"), leaf);
        assertTrue(leaf.contains("Digital Signature, Key Encipherment"), leaf);
        opensslOk("verify", "-CAfile", ca.resolve("ca.crt"), tmp.resolve("rsa.example.crt"));
    }

    @Test
    void makesAnIntermediateWhoseLeavesCarryIt() throws Exception {
        Path root = tmp.resolve("root");
        Path issuing = tmp.resolve("issuing");
        Cli.ok("pki", "init-ca", "--out", root, "--cn", "Root CA");
        Cli.ok("pki", "init-ca", "--out", issuing, "--cn", "Issuing CA", "--parent", root, "--days", "730");
        assertTrue(Files.exists(issuing.resolve("chain.pem")));
        opensslOk("verify", "-CAfile", root.resolve("ca.crt"), issuing.resolve("ca.crt"));

        Cli.ok("pki", "issue", "--ca", issuing, "--type", "server", "--cn", "api.example.com", "--out", tmp);
        Path bundle = tmp.resolve("api.example.com-bundle.pem");
        assertEquals(2, Files.readString(bundle).split("BEGIN CERTIFICATE").length - 1, "leaf + intermediate");
        assertFalse(
                Files.readString(bundle)
                        .contains(Files.readString(root.resolve("ca.crt")).trim()),
                "the root is not in the bundle");
        opensslOk(
                "verify", "-CAfile", root.resolve("ca.crt"), "-untrusted", bundle, tmp.resolve("api.example.com.crt"));

        Cli.usageError(
                "allows no further CA below it",
                "pki",
                "init-ca",
                "--out",
                tmp.resolve("third"),
                "--cn",
                "Third",
                "--parent",
                issuing);
        Cli.usageError(
                "would outlive its CA",
                "pki",
                "init-ca",
                "--out",
                tmp.resolve("long"),
                "--cn",
                "Long",
                "--parent",
                root,
                "--days",
                "4000");
    }

    @Test
    void badValuesExitTwoWithOneLine() {
        Path ca = tmp.resolve("ca");
        Cli.usageError(
                "key: ec-p384 (expected: ec-p256, rsa-2048 or rsa-4096)",
                "pki",
                "init-ca",
                "--out",
                ca,
                "--cn",
                "CA",
                "--key",
                "ec-p384");
        Cli.usageError("--days: 0 (expected: 1..36500)", "pki", "init-ca", "--out", ca, "--cn", "CA", "--days", "0");
        Cli.usageError(
                "no such directory", "pki", "init-ca", "--out", ca, "--cn", "CA", "--parent", tmp.resolve("absent"));
        assertFalse(Files.exists(ca.resolve("ca.key")));
        Cli.Result missing = Cli.run("pki", "init-ca", "--cn", "CA");
        assertEquals(2, missing.exit());
        assertTrue(missing.err().startsWith("mtls-proxy: Missing required option: '--out=DIR'"), missing.err());
    }

    private static String mode(Path file) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }
}
