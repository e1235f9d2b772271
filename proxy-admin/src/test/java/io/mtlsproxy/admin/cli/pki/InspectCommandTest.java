package io.mtlsproxy.admin.cli.pki;

import static io.mtlsproxy.admin.cli.pki.Tools.opensslOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtlsproxy.admin.testing.Cli;
import io.mtlsproxy.core.ca.CaDirectory;
import io.mtlsproxy.core.ca.CertificateAuthority;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.certs.IssuedCertificate;
import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.certs.Pkcs12;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class InspectCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    CertificateAuthority ca;

    @BeforeEach
    void makeCa() throws Exception {
        ca = CaDirectory.create(
                        tmp.resolve("ca"),
                        CertificateAuthority.createRoot("Edge CA", Duration.ofDays(3650), KeyAlgorithm.EC_P256),
                        false)
                .authority();
    }

    /** A bundle of certificates with known dates: one per expiry state, in the order of the states. */
    private Path statesBundle() throws Exception {
        Instant now = Instant.now();
        List<Object> certs = new ArrayList<>();
        for (var window : List.of(
                Map.entry(-1, 100), Map.entry(-1, 20), Map.entry(-1, 3), Map.entry(-30, -1), Map.entry(1, 30))) {
            certs.add(ca.issue(CertificateSpec.client("c")
                            .validity(
                                    now.plus(Duration.ofDays(window.getKey())),
                                    now.plus(Duration.ofDays(window.getValue())))
                            .build())
                    .certificate());
        }
        Path file = tmp.resolve("states.pem");
        Pem.writePublic(file, certs.toArray());
        return file;
    }

    @Test
    void reportsTheExpiryStateOfEachCertificate() throws Exception {
        Path bundle = statesBundle();
        assertEquals(List.of("valid", "expiring", "critical", "expired", "not_yet_valid"), states(json(bundle)));

        Cli.Result text = Cli.ok("pki", "inspect", bundle);
        assertTrue(text.out().startsWith(bundle + ": PEM, 5 certificates\n"), text.out());
        for (String state : List.of("valid", "expiring", "critical", "expired", "not_yet_valid")) {
            assertTrue(text.out().contains("    state:       " + state + "\n"), text.out());
        }
        assertTrue(text.out().contains("    expires:     in 19 days\n"), text.out());
        assertTrue(text.out().contains("    expires:     1 day ago\n"), text.out());

        assertEquals(
                List.of("valid", "valid", "expiring", "expired", "not_yet_valid"),
                states(json(bundle, "--warn-days", "10", "--critical-days", "1")));
        Cli.usageError(
                "--critical-days: 40 (expected: at most --warn-days 30)",
                "pki",
                "inspect",
                bundle,
                "--critical-days",
                "40");
    }

    @Test
    void printsWhatOpensslPrints() throws Exception {
        Cli.ok(
                "pki",
                "issue",
                "--ca",
                tmp.resolve("ca"),
                "--type",
                "server",
                "--cn",
                "api.example.com",
                "--dns",
                "api.example.com",
                "--ip",
                "127.0.0.1",
                "--uri",
                "spiffe://example.org/api",
                "--out",
                tmp);
        Path crt = tmp.resolve("api.example.com.crt");
        JsonNode c = json(crt).get("files").get(0).get("certificates").get(0);

        String serial =
                opensslOk("x509", "-in", crt, "-noout", "-serial").trim().substring("serial=".length());
        assertEquals(serial.toLowerCase(Locale.ROOT), c.get("serial").asText());
        String fingerprint = opensslOk("x509", "-in", crt, "-noout", "-fingerprint", "-sha256")
                .trim();
        assertEquals(
                fingerprint
                        .substring(fingerprint.indexOf('=') + 1)
                        .replace(":", "")
                        .toLowerCase(Locale.ROOT),
                c.get("sha256").asText());
        assertEquals("CN=api.example.com", c.get("subject").asText());
        assertEquals("CN=Edge CA", c.get("issuer").asText());
        assertEquals(
                "[\"DNS:api.example.com\",\"IP:127.0.0.1\",\"URI:spiffe://example.org/api\"]",
                c.get("sans").toString());
        assertEquals("EC P-256", c.get("key").asText());
        assertEquals("[\"serverAuth\"]", c.get("usage").toString());
        assertEquals("valid", c.get("state").asText());
        assertTrue(Math.abs(c.get("expires_in_seconds").asLong()
                        - Duration.ofDays(365).toSeconds())
                < 120);
        Instant.parse(c.get("not_before").asText());
        Instant.parse(c.get("not_after").asText());
    }

    @Test
    void readsDerAndPkcs12() throws Exception {
        IssuedCertificate leaf = ca.issue(
                CertificateSpec.server("p12.example").dns("p12.example").build());
        Path pem = tmp.resolve("leaf.crt");
        Path key = tmp.resolve("leaf.key");
        Pem.writePublic(pem, leaf.certificate());
        Pem.writeKey(key, leaf.privateKey());
        Path der = tmp.resolve("leaf.der");
        opensslOk("x509", "-in", pem, "-outform", "der", "-out", der);
        Path p12 = tmp.resolve("leaf.p12");
        opensslOk(
                "pkcs12",
                "-export",
                "-in",
                pem,
                "-inkey",
                key,
                "-certfile",
                tmp.resolve("ca/ca.crt"),
                "-passout",
                "pass:",
                "-out",
                p12);
        Path locked = tmp.resolve("locked.p12");
        opensslOk("pkcs12", "-export", "-in", pem, "-inkey", key, "-passout", "pass:s3cret", "-out", locked);

        String serial = leaf.certificate().getSerialNumber().toString(16);
        JsonNode files = json(der, p12).get("files");
        assertEquals("DER", files.get(0).get("format").asText());
        assertEquals(
                serial, files.get(0).get("certificates").get(0).get("serial").asText());
        assertEquals("PKCS#12", files.get(1).get("format").asText());
        assertEquals(
                serial, files.get(1).get("certificates").get(0).get("serial").asText());
        assertEquals(
                "CN=Edge CA",
                files.get(1).get("certificates").get(1).get("subject").asText());

        Cli.usageError(
                "cannot open PKCS#12 with the empty password (expected: --password or " + "MTLS_PROXY_P12_PASSWORD)",
                "pki",
                "inspect",
                locked);
        Cli.usageError("with the password given", "pki", "inspect", locked, "--password", "wrong");
        JsonNode unlocked = json(locked, "--password", "s3cret");
        assertEquals(
                serial,
                unlocked.get("files")
                        .get(0)
                        .get("certificates")
                        .get(0)
                        .get("serial")
                        .asText());
        Path ownP12 = tmp.resolve("own.p12");
        java.nio.file.Files.write(ownP12, Pkcs12.encode(leaf, "x".toCharArray()));
        assertEquals(
                serial,
                json(ownP12, "--password", "x")
                        .get("files")
                        .get(0)
                        .get("certificates")
                        .get(0)
                        .get("serial")
                        .asText());
    }

    @Test
    void readsCrlsAndSaysWhenOneIsStale() throws Exception {
        Cli.ok("pki", "issue", "--ca", tmp.resolve("ca"), "--type", "client", "--cn", "alice", "--out", tmp);
        Cli.ok(
                "pki",
                "revoke",
                "--ca",
                tmp.resolve("ca"),
                "--cert",
                tmp.resolve("alice.crt"),
                "--reason",
                "superseded");
        Path crl = tmp.resolve("ca/crl.pem");
        Path derCrl = tmp.resolve("crl.der");
        opensslOk("crl", "-in", crl, "-outform", "der", "-out", derCrl);
        Path stale = tmp.resolve("stale.pem");
        Pem.writePublic(
                stale,
                ca.crl(
                        Map.of(),
                        Instant.now().minus(Duration.ofDays(8)),
                        Instant.now().minus(Duration.ofDays(1))));

        JsonNode files = json(crl, derCrl, stale).get("files");
        String alice = opensslOk("x509", "-in", tmp.resolve("alice.crt"), "-noout", "-serial")
                .trim()
                .substring("serial=".length())
                .toLowerCase(Locale.ROOT);
        for (int i = 0; i < 2; i++) {
            JsonNode c = files.get(i).get("crls").get(0);
            assertEquals("CN=Edge CA", c.get("issuer").asText());
            assertEquals("1", c.get("number").asText());
            assertEquals("valid", c.get("state").asText());
            assertEquals(alice, c.get("revoked").get(0).get("serial").asText());
            assertEquals("superseded", c.get("revoked").get(0).get("reason").asText());
        }
        assertEquals("DER", files.get(1).get("format").asText());
        assertEquals("stale", files.get(2).get("crls").get(0).get("state").asText());

        String text = Cli.ok("pki", "inspect", crl).out();
        assertTrue(text.startsWith(crl + ": PEM, 1 CRL\n"), text);
        assertTrue(text.contains("    revoked:     1\n      " + alice + "  revoked "), text);
    }

    @Test
    void reportsEachUnreadableFileOnOneLineAndGoesOn() throws Exception {
        Cli.ok("pki", "issue", "--ca", tmp.resolve("ca"), "--type", "client", "--cn", "alice", "--out", tmp);
        Path garbage = tmp.resolve("garbage.bin");
        java.nio.file.Files.write(garbage, new byte[] {0x30, 0x03, 0x02, 0x01, 0x03});
        Cli.Result r = Cli.run(
                "pki",
                "inspect",
                tmp.resolve("absent.crt"),
                tmp.resolve("alice.key"),
                garbage,
                tmp.resolve("alice.crt"));
        assertEquals(2, r.exit());
        assertEquals(
                List.of(
                        "mtls-proxy: " + tmp.resolve("absent.crt") + ": no such file",
                        "mtls-proxy: " + tmp.resolve("alice.key") + ": no certificate or CRL in this PEM file "
                                + "(a key alone is not inspected)",
                        "mtls-proxy: " + garbage
                                + ": not a certificate, CRL or PKCS#12 file (expected: PEM, DER or PKCS#12)"),
                r.errLines());
        assertTrue(r.out().startsWith(tmp.resolve("alice.crt") + ": PEM, 1 certificate\n"), r.out());

        Cli.Result none = Cli.run("pki", "inspect");
        assertEquals(2, none.exit());
    }

    private static JsonNode json(Object... args) throws Exception {
        List<Object> argv = new ArrayList<>(List.of("pki", "inspect", "--json"));
        argv.addAll(List.of(args));
        return JSON.readTree(Cli.ok(argv.toArray()).out());
    }

    private static List<String> states(JsonNode root) {
        List<String> out = new ArrayList<>();
        root.get("files")
                .get(0)
                .get("certificates")
                .forEach(c -> out.add(c.get("state").asText()));
        return out;
    }
}
