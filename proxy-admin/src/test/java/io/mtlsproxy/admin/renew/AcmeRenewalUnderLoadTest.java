package io.mtlsproxy.admin.renew;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.mtlsproxy.admin.app.ProxyApp;
import io.mtlsproxy.admin.testing.AdminClient;
import io.mtlsproxy.admin.testing.PromText;
import io.mtlsproxy.admin.testing.RequestLoad;
import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.testing.NginxOrigin;
import io.mtlsproxy.core.testing.PebbleServer;
import io.mtlsproxy.core.testing.TestOrigin;
import io.mtlsproxy.core.testing.TestPki;
import java.math.BigInteger;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A public certificate from a real ACME server (Pebble, with real validation) renews under traffic: keep-alive
 * clients and clients that make a new handshake per request keep going through an mTLS listener with required
 * client certificates while the proxy answers tls-alpn-01 on that very listener (or http-01 on a plain one),
 * swaps the certificate and reloads. Not one request fails; the next handshake sees the new serial.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class AcmeRenewalUnderLoadTest {
    private static final String HOST = "api.example.test";

    @TempDir
    Path dir;

    @Test
    void tlsAlpn01OnAnMtlsListenerWithRequiredClientCertificates() throws Exception {
        renewsUnderLoad(false);
    }

    @Test
    void http01OnAPlainListener() throws Exception {
        renewsUnderLoad(true);
    }

    private void renewsUnderLoad(boolean http01) throws Exception {
        assumeTrue(PebbleServer.installed(), "Debian's pebble package is not installed");
        TestPki pki = new TestPki(dir.resolve("pki"));
        TestPki.Ca edge = pki.ca("edge");
        TestPki.Ca clients = pki.ca("clients");
        TestPki.Leaf first = edge.server(HOST, HOST);
        TestPki.Leaf client = clients.client("checkout");
        int tlsPort = NginxOrigin.freePort();
        int httpPort = NginxOrigin.freePort();
        try (PebbleServer pebble = PebbleServer.start(dir.resolve("pebble"), httpPort, tlsPort);
                TestOrigin origin = TestOrigin.plain("app")) {
            Files.writeString(dir.resolve("proxy.conf"), """
                    admin { port = 0 }
                    access-log = off
                    reload.watch = true
                    issuers { pebble {
                      type = acme
                      directory = "%s"
                      trust-ca = "%s"
                      account-key = "state/account.key"
                      contact = ["mailto:ops@example.test"]
                      challenge = %s
                      challenge-listener = %s
                    } }
                    listeners = [
                      { name = public, bind = "127.0.0.1", port = %d, tls {
                          mode = mtls, client-auth = required, client-ca = "%s"
                          certificates = [{ cert = "state/api.crt", key = "state/api.key",
                                            renew { issuer = pebble, dns-sans = ["%s"] } }]
                      } }
                      { name = acme-http, bind = "127.0.0.1", port = %d }
                    ]
                    routes = [
                      { name = app, listener = public, upstream.endpoints = ["127.0.0.1:%d"] }
                      { name = plain, listener = acme-http, upstream.endpoints = ["127.0.0.1:%d"] }
                    ]
                    """.formatted(
                            pebble.directory(),
                            pebble.trustCa(),
                            http01 ? "http-01" : "tls-alpn-01",
                            http01 ? "acme-http" : "public",
                            tlsPort,
                            clients.certFile(),
                            HOST,
                            httpPort,
                            origin.port(),
                            origin.port()));
            Files.createDirectories(dir.resolve("state"));
            Files.copy(first.certFile(), dir.resolve("state/api.crt"));
            Files.copy(first.keyFile(), dir.resolve("state/api.key"));
            Path trust = dir.resolve("trust.pem");
            Files.writeString(
                    trust,
                    Files.readString(edge.certFile())
                            + Pem.encode(pebble.rootCa().toArray()));
            SSLContext tls = clientContext(trust, client);

            try (ProxyApp app = ProxyApp.start(dir.resolve("proxy.conf"))) {
                AdminClient admin = new AdminClient(app.adminPort());
                BigInteger before = servedSerial(tls, tlsPort);
                assertEquals(first.serial(), before);
                RequestLoad load =
                        new RequestLoad(URI.create("https://127.0.0.1:" + tlsPort + "/"), tls, 4, 2, body -> {});
                long renewMillis;
                try {
                    Thread.sleep(1500); // traffic first
                    long start = System.nanoTime();
                    HttpResponse<String> renew = admin.post("/renew?owner=public", Duration.ofSeconds(90));
                    renewMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    assertEquals(200, renew.statusCode(), renew.body());
                    Thread.sleep(1500); // traffic after the swap, on old and new connections
                } finally {
                    load.close();
                }
                assertEquals(List.of(), load.failures(), "requests lost while the certificate renewed");
                assertTrue(load.succeeded() > 50, "traffic flowed: " + load.succeeded());
                BigInteger after = servedSerial(tls, tlsPort);
                assertNotEquals(before, after, "a new handshake gets the ACME certificate");
                JsonNode entry = RenewalBackoffTest.serverEntry(admin);
                assertEquals(after.toString(16), entry.get("serial").asText(), entry::toString);
                assertTrue(entry.get("issuer").asText().contains("Pebble"), entry::toString);
                assertTrue(entry.get("renewal").hasNonNull("last_success"), entry::toString);
                assertEquals(
                        "rw-------",
                        java.nio.file.attribute.PosixFilePermissions.toString(
                                Files.getPosixFilePermissions(dir.resolve("state/account.key"))));
                System.out.printf(
                        "acme renewal under load (%s): %d ms for POST /renew, %d requests ok, 0 failed%n",
                        http01 ? "http-01" : "tls-alpn-01", renewMillis, load.succeeded());
            }
        }
    }

    /**
     * Pebble stopped: attempts fail and back off, /certs and the metric say so, and the certificate the proxy has
     * keeps serving. Pebble back: the next attempt renews.
     */
    @Test
    void pebbleDownBacksOffAndKeepsServingThenTheNextAttemptRenews() throws Exception {
        assumeTrue(PebbleServer.installed(), "Debian's pebble package is not installed");
        TestPki pki = new TestPki(dir.resolve("pki"));
        TestPki.Ca edge = pki.ca("edge");
        Instant now = Instant.now();
        TestPki.Leaf first = edge.leaf(
                "api",
                io.mtlsproxy.core.ca.CertificateSpec.server(HOST)
                        .dns(HOST)
                        .validity(now.minus(Duration.ofHours(1)), now.plus(Duration.ofHours(1)))
                        .build());
        int tlsPort = NginxOrigin.freePort();
        try (PebbleServer pebble = PebbleServer.start(dir.resolve("pebble"), NginxOrigin.freePort(), tlsPort)) {
            pebble.close(); // the ACME server is down from the start
            Files.createDirectories(dir.resolve("state"));
            Files.copy(first.certFile(), dir.resolve("state/api.crt"));
            Files.copy(first.keyFile(), dir.resolve("state/api.key"));
            Files.writeString(dir.resolve("proxy.conf"), """
                    admin { port = 0 }
                    access-log = off
                    reload.watch = false
                    issuers { pebble { type = acme, directory = "%s", trust-ca = "%s",
                                       account-key = "state/account.key", challenge-listener = public } }
                    renewal { retry-initial = 1s, retry-max = 4s }
                    listeners = [{ name = public, bind = "127.0.0.1", port = %d, tls {
                      mode = tls
                      certificates = [{ cert = "state/api.crt", key = "state/api.key",
                                        renew { issuer = pebble, before = "60%%" } }]
                    } }]
                    routes = [{ name = app, listener = public, upstream.endpoints = ["127.0.0.1:9"] }]
                    """.formatted(pebble.directory(), pebble.trustCa(), tlsPort));
            try (ProxyApp app = ProxyApp.start(dir.resolve("proxy.conf"))) {
                AdminClient admin = new AdminClient(app.adminPort());
                SSLContext tls = clientContext(edge.certFile(), null);
                List<Instant> attempts = new ArrayList<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                JsonNode renewal = null;
                while (System.nanoTime() < deadline && attempts.size() < 4) {
                    // absent until the scheduler has read the configuration (it does so on its own thread)
                    renewal = RenewalBackoffTest.serverEntry(admin).get("renewal");
                    if (renewal != null && renewal.hasNonNull("last_attempt")) {
                        Instant last = Instant.parse(renewal.get("last_attempt").asText());
                        if (attempts.isEmpty()
                                || !attempts.get(attempts.size() - 1).equals(last)) {
                            attempts.add(last);
                        }
                    }
                    Thread.sleep(100);
                }
                JsonNode failing = renewal;
                for (int i = 0;
                        i < 100
                                && (failing == null
                                        || !failing.get("state").asText().equals("failing"));
                        i++) {
                    Thread.sleep(50); // an attempt may be running at this instant
                    failing = RenewalBackoffTest.serverEntry(admin).get("renewal");
                }
                JsonNode failed = failing;
                assertEquals("failing", failed.get("state").asText(), failed::toString);
                assertTrue(failed.get("last_error").asText().startsWith("acme: cannot reach"), failed::toString);
                assertTrue(failed.get("attempts").asInt() >= 3, failed::toString);
                assertEquals(
                        1.0,
                        PromText.samples(admin.get("/metrics").body(), "mtls_proxy_certificate_renewal_failing")
                                .get(0)
                                .value());
                assertEquals(first.serial(), servedSerial(tls, tlsPort), "the old certificate keeps serving");
                long firstGap =
                        Duration.between(attempts.get(0), attempts.get(1)).toSeconds();
                long lastGap =
                        Duration.between(attempts.get(2), attempts.get(3)).toSeconds();
                assertTrue(lastGap > firstGap, () -> "growing waits between attempts: " + attempts);
                System.out.println("acme backoff: attempts at " + attempts);

                pebble.restart();
                Path trust = dir.resolve("trust.pem");
                Files.writeString(
                        trust,
                        Files.readString(edge.certFile())
                                + Pem.encode(pebble.rootCa().toArray()));
                SSLContext both = clientContext(trust, null);
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (System.nanoTime() < until && first.serial().equals(servedSerial(both, tlsPort))) {
                    Thread.sleep(200);
                }
                assertNotEquals(first.serial(), servedSerial(both, tlsPort), "renewed once Pebble is back");
                JsonNode ok = RenewalBackoffTest.serverEntry(admin).get("renewal");
                assertEquals("scheduled", ok.get("state").asText(), ok::toString);
                assertEquals(0, ok.get("attempts").asInt(), ok::toString);
            }
        }
    }

    /** A client that verifies the proxy's chain against {@code trustFile} (no host name: it dials 127.0.0.1). */
    static SSLContext clientContext(Path trustFile, TestPki.Leaf client) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        int i = 0;
        for (X509Certificate c : Pem.readCertificates(Files.readAllBytes(trustFile))) {
            trust.setCertificateEntry("ca" + i++, c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        X509TrustManager chain = (X509TrustManager) tmf.getTrustManagers()[0];
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        if (client != null) {
            keys.setKeyEntry(
                    "client",
                    client.issued().privateKey(),
                    new char[0],
                    client.issued().chain().toArray(X509Certificate[]::new));
        }
        kmf.init(keys, new char[0]);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), new TrustManager[] {new ChainOnly(chain)}, null);
        return ctx;
    }

    /**
     * Verifies the chain and not the name: the clients dial 127.0.0.1 (no SNI: the listener's default certificate),
     * and the JDK's HTTP client would otherwise insist that the certificate name 127.0.0.1.
     */
    private static final class ChainOnly extends X509ExtendedTrustManager {
        private final X509TrustManager delegate;

        ChainOnly(X509TrustManager delegate) {
            this.delegate = delegate;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a client context");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("a client context");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("a client context");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }

    private static BigInteger servedSerial(SSLContext tls, int port) throws Exception {
        try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }
}
