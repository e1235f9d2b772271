package io.mtlsproxy.admin.renew;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.mtlsproxy.admin.app.ProxyApp;
import io.mtlsproxy.admin.testing.AdminClient;
import io.mtlsproxy.admin.testing.PromText;
import io.mtlsproxy.core.ca.CaDirectory;
import io.mtlsproxy.core.ca.CertificateAuthority;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.certs.IssuedCertificate;
import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.testing.TestTls;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issuer is down (its signing script fails): the proxy keeps serving the certificate it has, retries with
 * growing, jittered waits, and says so on /certs and /metrics long before anything expires. The issuer comes
 * back: the next attempt renews, and a new handshake gets the new certificate. POST /renew asks for it at once.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RenewalBackoffTest {
    @TempDir
    Path dir;

    @Test
    void aFailingIssuerBacksOffVisiblyAndTheNextAttemptAfterItsReturnRenews() throws Exception {
        CaDirectory ca = CaDirectory.create(
                dir.resolve("ca"),
                CertificateAuthority.createRoot("Ops CA", Duration.ofDays(30), KeyAlgorithm.EC_P256),
                false);
        Instant now = Instant.now();
        IssuedCertificate current = ca.authority()
                .issue(CertificateSpec.server("localhost")
                        .dns("localhost")
                        .validity(now.minus(Duration.ofHours(1)), now.plus(Duration.ofHours(1)))
                        .build());
        Pem.writeKey(dir.resolve("server.key"), current.privateKey());
        Pem.writePublic(dir.resolve("server.crt"), current.certificate());
        Path calls = dir.resolve("calls.log");
        Path script = dir.resolve("sign.sh");
        Files.writeString(script, """
                #!/bin/sh
                date +%%s.%%N >> %1$s
                if [ ! -f %2$s/issuer-up ]; then echo "step-ca: connection refused" >&2; exit 7; fi
                printf 'subjectAltName=DNS:localhost\\n' > "$MTLS_PROXY_CHAIN_OUT.ext"
                openssl x509 -req -in "$MTLS_PROXY_CSR" -CA %2$s/ca/ca.crt -CAkey %2$s/ca/ca.key -CAcreateserial \\
                    -days 1 -extfile "$MTLS_PROXY_CHAIN_OUT.ext" -out "$MTLS_PROXY_CHAIN_OUT" 2>/dev/null
                """.formatted(calls, dir));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(dir.resolve("proxy.conf"), """
                admin { port = 0 }
                access-log = off
                reload.watch = false
                issuers { ops { type = exec, command = ["./sign.sh"], timeout = 10s } }
                renewal { check-interval = 1h, retry-initial = 1s, retry-max = 8s }
                listeners = [{ name = public, bind = "127.0.0.1", port = 0, tls {
                  mode = tls
                  certificates = [{ cert = "server.crt", key = "server.key", renew { issuer = ops, before = "60%" } }]
                } }]
                routes = [{ name = app, listener = public, upstream.endpoints = ["127.0.0.1:9"] }]
                """);
        try (ProxyApp app = ProxyApp.start(dir.resolve("proxy.conf"))) {
            AdminClient admin = new AdminClient(app.adminPort());
            SSLContext client = TestTls.client(ca.certFile(), null);
            int port = app.port("public");

            List<Double> times = awaitCalls(calls, 5);
            List<Double> waits = new ArrayList<>();
            for (int i = 1; i < times.size(); i++) {
                waits.add(times.get(i) - times.get(i - 1));
            }
            for (int i = 1; i < waits.size(); i++) {
                assertTrue(waits.get(i) > waits.get(i - 1), () -> "growing waits between attempts: " + waits);
            }
            assertTrue(waits.get(0) >= 0.7 && waits.get(0) < 2.5, () -> "first retry after ~1 s: " + waits);
            System.out.println("renewal backoff observed (s): " + waits);

            JsonNode renewal = serverEntry(admin).get("renewal");
            assertEquals("failing", renewal.get("state").asText(), renewal::toString);
            assertTrue(renewal.get("attempts").asInt() >= 4, renewal::toString);
            assertTrue(
                    renewal.get("last_error").asText().contains("exited 7; stderr: step-ca: connection refused"),
                    renewal::toString);
            assertTrue(renewal.get("last_success").isNull(), renewal::toString);
            String metrics = admin.get("/metrics").body();
            assertEquals(1.0, value(metrics, "mtls_proxy_certificate_renewal_failing"), metrics);
            assertTrue(value(metrics, "mtls_proxy_certificate_renewals_total") >= 4, metrics);
            assertEquals(
                    current.certificate().getSerialNumber(),
                    servedSerial(client, port),
                    "the running certificate keeps serving");

            Files.writeString(dir.resolve("issuer-up"), "");
            HttpResponse<String> renewNow = admin.post("/renew?owner=public");
            assertEquals(200, renewNow.statusCode(), renewNow.body());
            assertEquals(
                    "{\"result\":\"ok\",\"renewed\":[\"listener-server public\"],\"errors\":[]}",
                    renewNow.body().strip());
            BigInteger renewed = servedSerial(client, port);
            assertNotEquals(current.certificate().getSerialNumber(), renewed, "a new handshake gets the new one");
            JsonNode after = serverEntry(admin);
            assertEquals(renewed.toString(16), after.get("serial").asText(), after::toString);
            assertEquals("scheduled", after.get("renewal").get("state").asText(), after::toString);
            assertTrue(after.get("renewal").hasNonNull("last_success"), after::toString);
            assertEquals(0, after.get("renewal").get("attempts").asInt(), after::toString);
            assertEquals(0.0, value(admin.get("/metrics").body(), "mtls_proxy_certificate_renewal_failing"));

            assertEquals(404, admin.post("/renew?owner=nobody").statusCode());
        }
    }

    private static List<Double> awaitCalls(Path calls, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (System.nanoTime() < deadline) {
            if (Files.exists(calls)) {
                List<Double> times = Files.readAllLines(calls).stream()
                        .map(Double::parseDouble)
                        .toList();
                if (times.size() >= count) {
                    return times.subList(0, count);
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the issuer was not called " + count + " times: "
                + (Files.exists(calls) ? Files.readString(calls) : "never"));
    }

    static JsonNode serverEntry(AdminClient admin) {
        for (JsonNode c : AdminClient.json(admin.get("/certs")).get("certificates")) {
            if (c.path("usage").asText().equals("listener-server")) {
                return c;
            }
        }
        throw new AssertionError("no listener-server entry on /certs");
    }

    private static double value(String exposition, String name) {
        return PromText.samples(exposition, name).stream()
                .mapToDouble(PromText.Sample::value)
                .sum();
    }

    private static BigInteger servedSerial(SSLContext client, int port) throws Exception {
        try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }
}
