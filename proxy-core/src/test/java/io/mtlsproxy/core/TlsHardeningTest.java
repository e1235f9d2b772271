package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.identity.TlsFailureReason;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.metrics.TlsFailure;
import io.mtlsproxy.core.testing.ExternalProcess;
import io.mtlsproxy.core.testing.LeakGuard;
import io.mtlsproxy.core.testing.OpenSslRenegotiation;
import io.mtlsproxy.core.testing.RecordingOrigin;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestPki;
import io.mtlsproxy.core.tls.TlsProvider;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What TLS clients see of the proxy, checked with {@code openssl s_client} and curl against a TLS and an mTLS
 * listener. The essentials of a testssl.sh scan (docs/security/run-testssl.sh keeps the full reports), in
 * seconds: TLS 1.0 and 1.1 are refused, so are CBC, static-RSA and 3DES suites, and a client cannot renegotiate.
 * A refused client certificate gets the alert that names the cause, and plain HTTP gets nginx's 400. Each
 * refusal is asserted on the proxy's side too (it shows on /tls/failures), so that a client that never offered
 * the old protocol cannot pass for a server that refused it.
 * <p>
 * Both listeners have one certificate and no tls.hosts, so they get their SslHandler at accept, without an SNI
 * handler in front (issue 19): the SNI still reaches the Host check and /tls/failures, and a connection that closes
 * before its first byte is still no failed handshake.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsHardeningTest {
    @TempDir
    static Path dir;

    static RecordingOrigin origin;
    static ProxyServer proxy;
    static ProxyMetrics metrics = ProxyMetrics.inMemory();
    static TestPki.Ca serverCa;
    static TestPki.Leaf client;
    static TestPki.Leaf stranger;
    static TestPki.Leaf expired;
    static TestPki.Leaf revoked;
    static TestPki.Leaf serverAsClient;

    @BeforeAll
    static void start() throws Exception {
        LeakGuard.install();
        TestPki pki = new TestPki(dir);
        serverCa = pki.ca("servers");
        TestPki.Ca clientCa = pki.ca("clients");
        TestPki.Leaf server = serverCa.server("proxy");
        client = clientCa.client("scanner");
        stranger = pki.ca("elsewhere").client("stranger");
        expired = clientCa.leaf("expired", TestPki.expiredClient("expired").build());
        revoked = clientCa.client("revoked");
        // a certificate for servers only (no clientAuth extended key usage) offered as a client's
        serverAsClient = clientCa.leaf(
                "server-as-client", CertificateSpec.server("web").dns("web").build());
        Path crl = clientCa.crl(revoked);
        origin = RecordingOrigin.start();
        proxy = ProxyServer.builder().metrics(metrics).build();
        proxy.start(TestConfigs.config(
                dir.resolve("proxy.conf"),
                List.of(
                        TestConfigs.listener("tls", TestConfigs.tls(server)),
                        TestConfigs.listener(
                                "mtls", TestConfigs.mtls(server, clientCa.certFile(), ClientAuth.REQUIRED, true, crl))),
                List.of(
                        TestConfigs.route("tls", "tls").endpoint(origin.port()).build(),
                        TestConfigs.route("mtls", "mtls")
                                .endpoint(origin.port())
                                .build())));
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (origin != null) {
            origin.close();
        }
        LeakGuard.assertNoLeaks();
    }

    /** Runs s_client against a listener with the client certificate, sending {@code stdin}. */
    private static ExternalProcess.Result sClient(String listener, String stdin, String... options) throws Exception {
        return sClientAs(client, listener, stdin, options);
    }

    /** As {@link #sClient}, presenting {@code identity} (null: no certificate). */
    private static ExternalProcess.Result sClientAs(
            TestPki.Leaf identity, String listener, String stdin, String... options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                ExternalProcess.binary("openssl"),
                "s_client",
                "-connect",
                "127.0.0.1:" + proxy.port(listener),
                "-servername",
                "localhost",
                "-CAfile",
                serverCa.certFile().toString()));
        if (identity != null) {
            cmd.addAll(List.of(
                    "-cert",
                    identity.certFile().toString(),
                    "-key",
                    identity.keyFile().toString()));
        }
        cmd.addAll(List.of(options));
        return ExternalProcess.run(cmd, stdin, 20);
    }

    /** curl over TLS {@code version} ("1.2", "1.3") to the mtls listener with {@code identity}; -v shows alerts. */
    private static String curlAs(TestPki.Leaf identity, String version, String... options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                ExternalProcess.binary("curl"),
                "-sSv",
                "--tlsv" + version,
                "--tls-max",
                version,
                "--cacert",
                serverCa.certFile().toString()));
        if (identity != null) {
            cmd.addAll(List.of(
                    "--cert",
                    identity.certFile().toString(),
                    "--key",
                    identity.keyFile().toString()));
        }
        cmd.addAll(List.of(options));
        cmd.add("https://localhost:" + proxy.port("mtls") + "/");
        ExternalProcess.Result r = ExternalProcess.run(cmd, null, 20);
        return r.stdout() + r.stderr();
    }

    private static final String GET = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

    private static List<TlsFailure> failuresOf(String listener) {
        return metrics.failures().snapshot().stream()
                .filter(f -> f.name().equals(listener))
                .toList();
    }

    /** Waits for the proxy to log one more failed handshake on {@code listener} than {@code before}. */
    private static TlsFailure awaitFailure(String listener, int before) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (failuresOf(listener).size() <= before && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        List<TlsFailure> all = failuresOf(listener);
        assertTrue(all.size() > before, "the proxy logged the refused handshake");
        return all.get(all.size() - 1);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tls", "mtls"})
    void modernClientsAreServed(String listener) throws Exception {
        for (String version : List.of("-tls1_2", "-tls1_3")) {
            ExternalProcess.Result r = sClient(listener, GET, version, "-ign_eof");
            assertTrue(r.stdout().contains("HTTP/1.1 200"), version + ": " + r.stdout() + r.stderr());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tls", "mtls"})
    void tls10AndTls11AreRefused(String listener) throws Exception {
        for (String version : List.of("-tls1", "-tls1_1")) {
            int before = failuresOf(listener).size();
            // SECLEVEL=0 lets OpenSSL 3 offer the old versions at all: the refusal must be the proxy's
            ExternalProcess.Result r = sClient(listener, GET, version, "-cipher", "DEFAULT:@SECLEVEL=0");
            assertNotEquals(0, r.exitCode(), version + ": " + r.stdout());
            assertFalse(r.stdout().contains("HTTP/1.1"), version);
            TlsFailure refused = awaitFailure(listener, before);
            assertEquals(TlsFailureReason.PROTOCOL_VERSION, refused.reason(), version);
            // refused in the read that brought the ClientHello, before the engine would tell its SNI
            assertEquals("localhost", refused.sni(), version);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "AES128-SHA",
                "AES256-GCM-SHA384",
                "ECDHE-ECDSA-AES128-SHA",
                "ECDHE-RSA-AES256-SHA384",
                "DES-CBC3-SHA"
            })
    void weakTls12CipherSuitesAreRefused(String suite) throws Exception {
        for (String listener : List.of("tls", "mtls")) {
            int before = failuresOf(listener).size();
            ExternalProcess.Result r = sClient(listener, GET, "-tls1_2", "-cipher", suite + ":@SECLEVEL=0");
            assertNotEquals(0, r.exitCode(), suite + " on " + listener + ": " + r.stdout());
            assertFalse(r.stdout().contains("HTTP/1.1"), suite);
            if (!r.stderr().contains("no cipher match")) { // the client offered it and the proxy turned it down
                assertEquals("localhost", awaitFailure(listener, before).sni(), suite + " on " + listener);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tls", "mtls"})
    void clientInitiatedRenegotiationIsRefused(String listener) throws Exception {
        ExternalProcess.Result r = OpenSslRenegotiation.attempt(
                proxy.port(listener),
                serverCa.certFile(),
                "-cert",
                client.certFile().toString(),
                "-key",
                client.keyFile().toString());
        String all = r.stdout() + r.stderr();
        assertTrue(all.contains("RENEGOTIATING"), all);
        assertTrue(all.contains("alert no renegotiation"), "BoringSSL's answer to a renegotiation: " + all);
        assertFalse(r.stdout().contains("HTTP/1.1"), "the request after the attempt is never served: " + all);
    }

    @Test
    void secureRenegotiationIsStillAdvertisedForOldClients() throws Exception {
        // RFC 5746: "Secure Renegotiation IS supported" only says the extension is understood, not that it is done
        ExternalProcess.Result r = sClient("tls", GET, "-tls1_2", "-ign_eof");
        assertTrue(r.stdout().contains("Secure Renegotiation IS supported"), r.stdout());
    }

    /** A TLS alert as openssl names it and its number (curl -v prints 512 + the number). */
    private record Alert(String name, int number) {
        boolean seenBy(String sClientOutput) {
            return sClientOutput.contains("alert " + name);
        }

        boolean seenByCurl(String curlOutput) {
            return curlOutput.matches("(?s).*TLS alert, [^\\n]*\\(" + (512 + number) + "\\).*");
        }
    }

    private static final Alert UNKNOWN_CA = new Alert("unknown ca", 48);
    private static final Alert EXPIRED = new Alert("certificate expired", 45);
    private static final Alert REVOKED = new Alert("certificate revoked", 44);
    private static final Alert BAD_CERTIFICATE = new Alert("bad certificate", 42);
    private static final Alert HANDSHAKE_FAILURE = new Alert("handshake failure", 40);
    private static final Alert CERTIFICATE_REQUIRED = new Alert("certificate required", 116);

    /**
     * A refused client learns why from the alert, as nginx tells it (docs/tls.md lists them): s_client and curl,
     * over TLS 1.2 and 1.3, see the alert naming the cause /tls/failures records. BoringSSL's alerts: the JDK
     * engine sends certificate_unknown for every refused certificate, whatever the trust manager says.
     */
    private static void assertAlert(TestPki.Leaf identity, Alert tls12, Alert tls13, TlsFailureReason reason)
            throws Exception {
        Assumptions.assumeTrue(TlsProvider.provider() == SslProvider.OPENSSL, "the alerts are BoringSSL's");
        for (String version : List.of("1.2", "1.3")) {
            Alert expected = version.equals("1.2") ? tls12 : tls13;
            int before = failuresOf("mtls").size();
            ExternalProcess.Result r = sClientAs(identity, "mtls", GET, "-tls" + version.replace('.', '_'), "-ign_eof");
            String out = r.stdout() + r.stderr();
            assertTrue(expected.seenBy(out), version + ": expected " + expected + " in " + out);
            assertFalse(out.contains("HTTP/1.1 200"), out);
            TlsFailure refused = awaitFailure("mtls", before);
            assertEquals(reason, refused.reason(), version);
            assertEquals("localhost", refused.sni(), version);

            before = failuresOf("mtls").size();
            String curlOut = curlAs(identity, version);
            assertTrue(expected.seenByCurl(curlOut), "curl " + version + ": expected " + expected + " in " + curlOut);
            refused = awaitFailure("mtls", before);
            assertEquals(reason, refused.reason(), "curl " + version);
            assertEquals("localhost", refused.sni(), "curl " + version);
        }
    }

    @Test
    void anUnknownCaGetsUnknownCa() throws Exception {
        assertAlert(stranger, UNKNOWN_CA, UNKNOWN_CA, TlsFailureReason.UNKNOWN_CA);
    }

    @Test
    void anExpiredCertificateGetsCertificateExpired() throws Exception {
        assertAlert(expired, EXPIRED, EXPIRED, TlsFailureReason.EXPIRED);
    }

    @Test
    void aRevokedCertificateGetsCertificateRevoked() throws Exception {
        assertAlert(revoked, REVOKED, REVOKED, TlsFailureReason.REVOKED);
    }

    @Test
    void aCertificateNotForClientsGetsBadCertificate() throws Exception {
        assertAlert(serverAsClient, BAD_CERTIFICATE, BAD_CERTIFICATE, TlsFailureReason.BAD_CERTIFICATE);
    }

    @Test
    void noCertificateGetsCertificateRequiredOrHandshakeFailure() throws Exception {
        assertAlert(null, HANDSHAKE_FAILURE, CERTIFICATE_REQUIRED, TlsFailureReason.NO_CLIENT_CERT);
    }

    @Test
    void theSniOfAServedClientIsCheckedAgainstTheHost() throws Exception {
        String served = curlAs(client, "1.3", "--http1.1");
        assertTrue(served.contains("< HTTP/1.1 200"), served);
        // SNI localhost, Host other.example: only an SNI the proxy read tells them apart
        String out = curlAs(client, "1.3", "--http1.1", "-H", "Host: other.example");
        assertTrue(out.contains("< HTTP/1.1 421"), out);
    }

    /** Connect-and-close and a reset (load balancers' TCP checks) are no handshakes; a refused client is, with SNI. */
    @Test
    void healthChecksAreNoFailedHandshakesAndARefusedClientsSniIsListed() throws Exception {
        int before = failuresOf("mtls").size();
        for (int i = 0; i < 4; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", proxy.port("mtls")), 5000);
                s.setSoLinger(i % 2 == 1, 0);
            }
        }
        sClientAs(stranger, "mtls", GET, "-ign_eof");
        TlsFailure refused = awaitFailure("mtls", before);
        Thread.sleep(200); // a late entry for one of the checks would show here
        assertEquals(before + 1, failuresOf("mtls").size(), "only the refused client: " + failuresOf("mtls"));
        assertEquals(TlsFailureReason.UNKNOWN_CA, refused.reason());
        assertEquals("localhost", refused.sni());
    }

    /** Plain HTTP sent to a TLS port gets nginx's 400 "plain HTTP request was sent to HTTPS port", not silence. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tls", "mtls"})
    void plainHttpOnATlsPortGetsA400ThatSaysWhy(String listener) throws Exception {
        int before = failuresOf(listener).size();
        ExternalProcess.Result r = ExternalProcess.run(
                List.of(
                        ExternalProcess.binary("curl"),
                        "-sS",
                        "-w",
                        "\n%{http_code}",
                        "http://127.0.0.1:" + proxy.port(listener) + "/"),
                null,
                20);
        assertTrue(r.stdout().endsWith("\n400"), listener + ": " + r.stdout() + r.stderr());
        assertTrue(r.stdout().contains("The plain HTTP request was sent to HTTPS port"), r.stdout());
        TlsFailure listed = awaitFailure(listener, before);
        assertTrue(listed.detail().contains("plain HTTP"), listed.detail());
    }

    @Test
    void plainHttpStillSendingGetsTheAnswerRatherThanAReset() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", proxy.port("tls")), 5000);
            s.setSoTimeout(10_000);
            String body = "x".repeat(200_000);
            s.getOutputStream()
                    .write(("POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + body.length() + "\r\n\r\n"
                                    + body)
                            .getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            s.getInputStream().transferTo(answer);
            String text = answer.toString(StandardCharsets.US_ASCII);
            assertTrue(text.startsWith("HTTP/1.1 400 Bad Request\r\n"), text);
        }
    }
}
