package io.mtlsproxy.admin.cli.pki;

import static io.mtlsproxy.admin.cli.pki.Tools.opensslOk;
import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.admin.testing.Cli;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.certs.CertificateDescription;
import io.mtlsproxy.core.certs.PkiFiles;
import io.mtlsproxy.core.certs.SubjectAltName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class RenewCommandTest {
    @TempDir
    Path tmp;

    Path ca;
    Path out;

    @BeforeEach
    void makePki() {
        ca = tmp.resolve("ca");
        out = tmp.resolve("out");
        Cli.ok("pki", "init-ca", "--out", ca, "--cn", "Edge CA");
        Cli.ok(
                "pki",
                "issue",
                "--ca",
                ca,
                "--type",
                "server",
                "--cn",
                "api.example.com",
                "--org",
                "Example",
                "--dns",
                "api.example.com",
                "--ip",
                "10.0.0.5",
                "--uri",
                "spiffe://example.org/api",
                "--days",
                "30",
                "--out",
                out);
    }

    @Test
    void aRenewedCertificateHasANewSerialAndKeyAndTheSameIdentity() throws Exception {
        Path crt = out.resolve("api.example.com.crt");
        Path key = out.resolve("api.example.com.key");
        X509Certificate old = PkiFiles.firstCertificate(crt);
        String oldKey = Files.readString(key);

        Cli.Result r = Cli.ok("pki", "renew", "--ca", ca, "--cert", crt);
        X509Certificate renewed = PkiFiles.firstCertificate(crt);
        assertTrue(r.out().contains("was serial " + old.getSerialNumber().toString(16)), r.out());

        assertNotEquals(old.getSerialNumber(), renewed.getSerialNumber());
        assertNotEquals(oldKey, Files.readString(key));
        assertNotEquals(old.getPublicKey(), renewed.getPublicKey());
        assertTrue(KeyAlgorithm.isPair(renewed.getPublicKey(), PkiFiles.privateKey(key)), "new key, new cert");
        assertEquals(old.getSubjectX500Principal(), renewed.getSubjectX500Principal());
        assertEquals(SubjectAltName.of(old), SubjectAltName.of(renewed));
        assertEquals(old.getExtendedKeyUsage(), renewed.getExtendedKeyUsage());
        assertEquals("EC P-256", CertificateDescription.keyType(renewed.getPublicKey()));
        assertEquals(List.of(renewed), PkiFiles.certificates(out.resolve("api.example.com-bundle.pem")));
        assertTrue(Files.exists(ca.resolve("issued/" + renewed.getSerialNumber().toString(16) + ".pem")));

        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(crt)));
        opensslOk("verify", "-CAfile", ca.resolve("ca.crt"), "-purpose", "sslserver", crt);
        String text = opensslOk("x509", "-in", crt, "-noout", "-text");
        assertTrue(text.contains("DNS:api.example.com, IP Address:10.0.0.5, URI:spiffe://example.org/api"), text);
        assertEquals(30, Tools.validityDays(text), "the lifetime of the renewed certificate");
    }

    /** The key is renamed into place before the certificate, and the bundle last (inotify reports in order). */
    @Test
    void writesTheKeyFirstAndTheCertificateLast() throws Exception {
        try (WatchService watcher = out.getFileSystem().newWatchService()) {
            out.register(watcher, ENTRY_CREATE);
            Cli.ok("pki", "renew", "--ca", ca, "--cert", out.resolve("api.example.com.crt"));
            Set<String> targets = Set.of("api.example.com.key", "api.example.com.crt", "api.example.com-bundle.pem");
            List<String> order = new ArrayList<>();
            while (order.size() < targets.size()) {
                WatchKey k = watcher.poll(10, TimeUnit.SECONDS);
                assertNotNull(k, "rename events, got " + order);
                for (WatchEvent<?> e : k.pollEvents()) {
                    String name = String.valueOf(e.context());
                    if (targets.contains(name) && !order.contains(name)) {
                        order.add(name);
                    }
                }
                k.reset();
            }
            assertEquals(List.of("api.example.com.key", "api.example.com.crt", "api.example.com-bundle.pem"), order);
        }
    }

    @Test
    void keepsAnRsaKeyTypeAndTakesDays() throws Exception {
        Cli.ok("pki", "issue", "--ca", ca, "--type", "client", "--cn", "legacy", "--key", "rsa-2048", "--out", out);
        Cli.ok("pki", "renew", "--ca", ca, "--cert", out.resolve("legacy.crt"), "--days", "10");
        X509Certificate renewed = PkiFiles.firstCertificate(out.resolve("legacy.crt"));
        assertEquals("RSA 2048", CertificateDescription.keyType(renewed.getPublicKey()));
        assertEquals(10, Tools.validityDays(opensslOk("x509", "-in", out.resolve("legacy.crt"), "-noout", "-text")));
        opensslOk("verify", "-CAfile", ca.resolve("ca.crt"), "-purpose", "sslclient", out.resolve("legacy.crt"));
    }

    @Test
    void renewsABundleGivenAsTheCertificate() throws Exception {
        Path bundle = out.resolve("api.example.com-bundle.pem");
        Cli.ok("pki", "renew", "--ca", ca, "--cert", bundle);
        X509Certificate renewed = PkiFiles.firstCertificate(bundle);
        assertEquals(renewed, PkiFiles.firstCertificate(out.resolve("api.example.com.crt")));
        assertTrue(
                KeyAlgorithm.isPair(renewed.getPublicKey(), PkiFiles.privateKey(out.resolve("api.example.com.key"))));
    }

    @Test
    void refusesToOverwriteAKeyOfAnotherCertificate() throws Exception {
        Cli.ok("pki", "issue", "--ca", ca, "--type", "client", "--cn", "other", "--out", out);
        String otherKey = Files.readString(out.resolve("other.key"));
        Cli.usageError(
                "does not match",
                "pki",
                "renew",
                "--ca",
                ca,
                "--cert",
                out.resolve("api.example.com.crt"),
                "--key",
                out.resolve("other.key"));
        assertEquals(otherKey, Files.readString(out.resolve("other.key")));

        Files.copy(out.resolve("api.example.com.crt"), tmp.resolve("server.pem"));
        Cli.usageError("expected: --key FILE", "pki", "renew", "--ca", ca, "--cert", tmp.resolve("server.pem"));
    }

    @Test
    void refusesACertificateOfAnotherCa() {
        Path other = tmp.resolve("other");
        Cli.ok("pki", "init-ca", "--out", other, "--cn", "Other CA");
        Cli.usageError("not by this CA", "pki", "renew", "--ca", other, "--cert", out.resolve("api.example.com.crt"));
        Cli.usageError(
                "would outlive its CA",
                "pki",
                "renew",
                "--ca",
                ca,
                "--cert",
                out.resolve("api.example.com.crt"),
                "--days",
                "5000");
    }
}
