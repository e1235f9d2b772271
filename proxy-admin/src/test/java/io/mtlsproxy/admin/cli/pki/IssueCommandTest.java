package io.mtlsproxy.admin.cli.pki;

import static io.mtlsproxy.admin.cli.pki.Tools.opensslOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.admin.testing.Cli;
import io.mtlsproxy.core.certs.PkiFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class IssueCommandTest {
    @TempDir
    Path tmp;

    Path ca;
    Path out;

    @BeforeEach
    void makeCa() {
        ca = tmp.resolve("ca");
        out = tmp.resolve("out");
        Cli.ok("pki", "init-ca", "--out", ca, "--cn", "Edge CA", "--org", "Example");
    }

    @Test
    void serverCertificateVerifiesAndCarriesItsSansUsageAndValidity() throws Exception {
        Cli.Result r = Cli.ok(
                "pki",
                "issue",
                "--ca",
                ca,
                "--type",
                "server",
                "--cn",
                "api.example.com",
                "--dns",
                "api.example.com",
                "--dns",
                "localhost",
                "--ip",
                "127.0.0.1",
                "--ip",
                "::1",
                "--days",
                "30",
                "--out",
                out);
        Path crt = out.resolve("api.example.com.crt");
        assertTrue(r.out().contains("server certificate CN=api.example.com"), r.out());

        assertTrue(opensslOk("verify", "-CAfile", ca.resolve("ca.crt"), "-purpose", "sslserver", crt)
                .contains(": OK"));
        String text = opensslOk("x509", "-in", crt, "-noout", "-text");
        assertTrue(
                text.contains(
                        "DNS:api.example.com, DNS:localhost, IP Address:127.0.0.1, " + "IP Address:0:0:0:0:0:0:0:1"),
                text);
        assertTrue(text.contains("TLS Web Server Authentication"), text);
        assertFalse(text.contains("TLS Web Client Authentication"), text);
        assertTrue(text.contains("X509v3 Key Usage: critical\n                Digital Signature"), text);
        assertTrue(text.contains("CA:FALSE"), text);
        assertTrue(text.contains("Issuer: O = Example, CN = Edge CA"), text);
        assertEquals(30, Tools.validityDays(text));

        assertEquals("rw-------", mode(out.resolve("api.example.com.key")));
        assertEquals("rw-r--r--", mode(crt));
        assertEquals("rw-r--r--", mode(out.resolve("api.example.com-bundle.pem")));
        // Under a root CA the bundle is the leaf alone: the root is never sent, peers already hold it.
        assertEquals(Files.readString(crt), Files.readString(out.resolve("api.example.com-bundle.pem")));
        opensslOk("pkey", "-in", out.resolve("api.example.com.key"), "-noout");
        X509Certificate leaf = PkiFiles.firstCertificate(crt);
        assertTrue(
                Files.exists(ca.resolve("issued").resolve(leaf.getSerialNumber().toString(16) + ".pem")));
    }

    @Test
    void clientCertificateCarriesItsSpiffeIdAndClientAuth() {
        Cli.ok(
                "pki",
                "issue",
                "--ca",
                ca,
                "--type",
                "client",
                "--cn",
                "orders-client",
                "--org",
                "Example",
                "--uri",
                "spiffe://example.org/ns/prod/sa/checkout",
                "--out",
                out);
        Path crt = out.resolve("orders-client.crt");
        opensslOk("verify", "-CAfile", ca.resolve("ca.crt"), "-purpose", "sslclient", crt);
        String text = opensslOk("x509", "-in", crt, "-noout", "-text");
        assertTrue(text.contains("URI:spiffe://example.org/ns/prod/sa/checkout"), text);
        assertTrue(text.contains("TLS Web Client Authentication"), text);
        assertFalse(text.contains("TLS Web Server Authentication"), text);
        assertTrue(text.contains("Subject: O = Example, CN = orders-client"), text);
        assertEquals(365, Tools.validityDays(text));
        assertNotEquals(
                0,
                Tools.openssl("verify", "-CAfile", ca.resolve("ca.crt"), "-purpose", "sslserver", crt)
                        .exit(),
                "a client certificate is no server certificate");
    }

    @Test
    void aServerCertificateWithoutSansGetsItsCommonName() {
        Cli.ok("pki", "issue", "--ca", ca, "--type", "server", "--cn", "orders.internal", "--out", out);
        assertTrue(opensslOk("x509", "-in", out.resolve("orders.internal.crt"), "-noout", "-ext", "subjectAltName")
                .contains("DNS:orders.internal"));
        Cli.ok("pki", "issue", "--ca", ca, "--type", "server", "--cn", "10.0.0.7", "--out", out);
        assertTrue(opensslOk("x509", "-in", out.resolve("10.0.0.7.crt"), "-noout", "-ext", "subjectAltName")
                .contains("IP Address:10.0.0.7"));
        Cli.usageError(
                "--cn: my server is not a host name",
                "pki",
                "issue",
                "--ca",
                ca,
                "--type",
                "server",
                "--cn",
                "my server",
                "--out",
                out);
    }

    @Test
    void fileNamesComeFromTheCnSafelyOrFromName() {
        Cli.ok("pki", "issue", "--ca", ca, "--type", "server", "--cn", "*.example.com", "--out", out);
        assertTrue(opensslOk("x509", "-in", out.resolve("wildcard.example.com.crt"), "-noout", "-ext", "subjectAltName")
                .contains("DNS:*.example.com"));
        Cli.ok("pki", "issue", "--ca", ca, "--type", "client", "--cn", "../../etc/evil", "--out", out);
        assertTrue(Files.exists(out.resolve("_.._.._etc_evil.crt")), "the CN cannot leave --out");
        Cli.ok("pki", "issue", "--ca", ca, "--type", "client", "--cn", "Team A", "--name", "team-a", "--out", out);
        assertTrue(Files.exists(out.resolve("team-a.key")));
        Cli.usageError(
                "--name: a/b",
                "pki",
                "issue",
                "--ca",
                ca,
                "--type",
                "client",
                "--cn",
                "x",
                "--name",
                "a/b",
                "--out",
                out);
    }

    @Test
    void neverOverwritesAnIssuedKeyUnlessForced() throws Exception {
        Cli.ok("pki", "issue", "--ca", ca, "--type", "client", "--cn", "c", "--out", out);
        String key = Files.readString(out.resolve("c.key"));
        Cli.usageError(
                "c.crt: already exists", "pki", "issue", "--ca", ca, "--type", "client", "--cn", "c", "--out", out);
        assertEquals(key, Files.readString(out.resolve("c.key")));
        Cli.ok("pki", "issue", "--ca", ca, "--type", "client", "--cn", "c", "--out", out, "--force");
        assertFalse(key.equals(Files.readString(out.resolve("c.key"))));
    }

    @Test
    void badArgumentsExitTwoWithOneLine() throws Exception {
        Object[] base = {"pki", "issue", "--ca", ca, "--cn", "x.example", "--out", out};
        Cli.usageError(
                "ip: 999.1.1.1 (expected: an IPv4 or IPv6 literal)",
                concat(base, "--type", "server", "--ip", "999.1.1.1"));
        Cli.usageError("ip: abc (expected", concat(base, "--type", "server", "--ip", "abc"));
        Cli.usageError(
                "uri: https://example.org/x (expected: spiffe://trust-domain/path",
                concat(base, "--type", "client", "--uri", "https://example.org/x"));
        Cli.usageError(
                "uri: spiffe://example.org (expected",
                concat(base, "--type", "client", "--uri", "spiffe://example.org"));
        Cli.usageError("dns: bad_name (expected", concat(base, "--type", "server", "--dns", "bad_name"));
        Cli.usageError(
                "key: dsa (expected: ec-p256, rsa-2048 or rsa-4096)", concat(base, "--type", "server", "--key", "dsa"));
        Cli.usageError("--type: peer (expected: server or client)", concat(base, "--type", "peer"));
        Cli.usageError("--days: -1 (expected: 1..36500)", concat(base, "--type", "server", "--days", "-1"));
        Cli.usageError("would outlive its CA", concat(base, "--type", "server", "--days", "4000"));
        Cli.usageError(
                "no such directory",
                "pki",
                "issue",
                "--ca",
                tmp.resolve("absent"),
                "--type",
                "server",
                "--cn",
                "x.example",
                "--out",
                out);
        Cli.usageError(
                "no ca.crt (expected: a CA directory made by pki init-ca",
                "pki",
                "issue",
                "--ca",
                tmp,
                "--type",
                "server",
                "--cn",
                "x.example",
                "--out",
                out);
        assertFalse(Files.exists(out.resolve("x.example.key")), "nothing written on a bad argument");
    }

    private static Object[] concat(Object[] base, Object... more) {
        Object[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    private static String mode(Path file) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }
}
