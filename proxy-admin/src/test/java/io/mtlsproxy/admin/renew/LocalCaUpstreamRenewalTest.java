package io.mtlsproxy.admin.renew;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.mtlsproxy.admin.app.ProxyApp;
import io.mtlsproxy.admin.testing.AdminClient;
import io.mtlsproxy.admin.testing.RequestLoad;
import io.mtlsproxy.core.ca.CaDirectory;
import io.mtlsproxy.core.ca.CertificateAuthority;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.certs.IssuedCertificate;
import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.certs.SubjectAltName;
import io.mtlsproxy.core.testing.NginxOrigin;
import io.mtlsproxy.core.testing.TestPki;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Aembit story: the proxy's identity towards an origin is a short-lived SPIFFE certificate from a local CA,
 * and it must never lapse. A 2-minute client certificate renews itself again and again while requests flow to an
 * nginx origin that verifies it against the lab CA and only answers the pinned subject; not one request fails,
 * every renewal keeps the SPIFFE ID, and the origin sees each new serial.
 *
 * <p>In the suite the certificates live 30 seconds (the shortest {@code validity} a local-ca takes) and the run
 * lasts 70 s: at least three renewals. {@code -Drenewal.soak.minutes=N} runs the notes' soak instead: 2-minute
 * certificates for N minutes (the 10-minute run quoted there is {@code -Drenewal.soak.minutes=10}).
 */
class LocalCaUpstreamRenewalTest {
    private static final String SPIFFE_ID = "spiffe://example.org/ns/edge/sa/proxy";
    private static final Pattern SERIAL = Pattern.compile("serial=([0-9A-Fa-f]+)");
    private static final Pattern CERT = Pattern.compile("cert=(\\S+)");

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void aTwoMinuteSpiffeClientCertificateRenewsOverAndOverWithoutLosingARequest() throws Exception {
        String soak = System.getProperty("renewal.soak.minutes");
        Duration lifetime = soak == null ? Duration.ofSeconds(30) : Duration.ofMinutes(2);
        Duration run = soak == null ? Duration.ofSeconds(70) : Duration.ofMinutes(Long.parseLong(soak));
        TestPki pki = new TestPki(dir.resolve("pki"));
        TestPki.Leaf originCert = pki.ca("origin").server("origin", "localhost");
        CaDirectory lab = CaDirectory.create(
                dir.resolve("lab"),
                CertificateAuthority.createRoot("Lab CA", Duration.ofDays(30), KeyAlgorithm.EC_P256),
                false);
        Path identity = Files.createDirectories(dir.resolve("identity"));
        IssuedCertificate first = lab.authority()
                .issue(CertificateSpec.client("edge-proxy")
                        .uri(SPIFFE_ID)
                        .validFor(lifetime)
                        .build());
        Pem.writeKey(identity.resolve("proxy.key"), first.privateKey());
        Pem.writePublic(identity.resolve("proxy.crt"), first.certificate());

        try (NginxOrigin nginx = NginxOrigin.start(dir.resolve("nginx"), originCert, lab.certFile())) {
            Path config = dir.resolve("proxy.conf");
            Files.writeString(config, """
                    admin { port = 0 }
                    access-log = off
                    reload.watch = false
                    issuers { lab { type = local-ca, ca-dir = "lab", validity = %ds } }
                    renewal { check-interval = 10s, retry-initial = 2s, retry-max = 20s }
                    listeners = [{ name = edge, bind = "127.0.0.1", port = 0 }]
                    routes = [{
                      name = orders
                      listener = edge
                      upstream {
                        endpoints = ["127.0.0.1:%d"]
                        tls {
                          mode = mtls
                          trust-ca = "%s"
                          server-name = localhost
                          cert = "identity/proxy.crt", key = "identity/proxy.key"
                          renew { issuer = lab }
                        }
                      }
                    }]
                    """.formatted(
                            lifetime.toSeconds(), nginx.mtlsPort(), pki.dir().resolve("origin-ca.crt")));
            try (ProxyApp app = ProxyApp.start(config)) {
                Set<String> serials = ConcurrentHashMap.newKeySet();
                Set<String> uris = ConcurrentHashMap.newKeySet();
                URI uri = URI.create("http://127.0.0.1:" + app.port("edge") + "/orders");
                Instant end = Instant.now().plus(run);
                RequestLoad load = new RequestLoad(uri, null, 4, 1, body -> {
                    Matcher serial = SERIAL.matcher(body);
                    if (serial.find()) {
                        serials.add(serial.group(1).toLowerCase());
                    }
                    Matcher cert = CERT.matcher(body);
                    if (cert.find() && uris.size() < 2) {
                        uris.addAll(uriSans(cert.group(1)));
                    }
                });
                try {
                    while (Instant.now().isBefore(end)) {
                        Thread.sleep(1000);
                    }
                } finally {
                    load.close();
                }
                assertEquals(List.of(), load.failures(), "requests lost while the client certificate renewed");
                // a certificate renews with a third of its life left: every ~2/3 of it (80 s of 2 min, 22 s of 30 s)
                long expectedRenewals = run.toSeconds() / (lifetime.toSeconds() * 3 / 4);
                assertTrue(serials.size() >= expectedRenewals + 1, () -> "the origin saw serials " + serials);
                assertEquals(Set.of(SPIFFE_ID), uris, "every renewal keeps the SPIFFE ID");

                AdminClient admin = new AdminClient(app.adminPort());
                JsonNode entry = upstreamClientEntry(admin);
                // a renewal every ~22 s may be under way as the load stops: the state after it is what counts
                for (int i = 0; i < 100 && entry.at("/renewal/state").asText().equals("renewing"); i++) {
                    Thread.sleep(100);
                    entry = upstreamClientEntry(admin);
                }
                JsonNode renewal = entry.get("renewal");
                assertEquals("lab", renewal.get("issuer").asText(), entry::toString);
                assertEquals("scheduled", renewal.get("state").asText(), entry::toString);
                assertTrue(renewal.hasNonNull("last_success"), entry::toString);
                assertEquals(0, renewal.get("attempts").asInt(), entry::toString);
                System.out.printf(
                        "renewal soak: %d s of %d-second certificates, %d requests ok, 0 failed, %d serials seen by nginx%n",
                        run.toSeconds(), lifetime.toSeconds(), load.succeeded(), serials.size());
            }
        }
    }

    static JsonNode upstreamClientEntry(AdminClient admin) {
        for (JsonNode c : AdminClient.json(admin.get("/certs")).get("certificates")) {
            if (c.path("usage").asText().equals("upstream-client")) {
                return c;
            }
        }
        throw new AssertionError("no upstream-client entry on /certs");
    }

    private static List<String> uriSans(String escapedPem) {
        String pem = URLDecoder.decode(escapedPem, StandardCharsets.UTF_8);
        X509Certificate cert;
        try {
            cert = Pem.readCertificates(pem.getBytes(StandardCharsets.US_ASCII)).get(0);
        } catch (java.security.cert.CertificateException e) {
            throw new AssertionError("nginx returned an unreadable client certificate: " + pem, e);
        }
        return SubjectAltName.of(cert).stream()
                .filter(s -> s.kind() == SubjectAltName.Kind.URI)
                .map(SubjectAltName::value)
                .toList();
    }
}
