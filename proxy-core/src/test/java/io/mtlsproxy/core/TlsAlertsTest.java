package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.metrics.TlsFailure;
import io.mtlsproxy.core.metrics.TlsFailureReason;
import io.mtlsproxy.core.pki.CertificateSpec;
import io.mtlsproxy.core.testing.ExternalProcess;
import io.mtlsproxy.core.testing.LeakGuard;
import io.mtlsproxy.core.testing.RecordingOrigin;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestPki;
import io.mtlsproxy.core.tls.TlsProvider;
import io.netty.handler.ssl.SslProvider;

/**
 * A refused client learns why from the TLS alert, as nginx tells it: {@code openssl s_client} and curl, over
 * TLS 1.2 and 1.3, each see the alert that names the cause /tls/failures records (docs/tls.md lists them).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TlsAlertsTest {
    @TempDir
    static Path dir;
    static RecordingOrigin origin;
    static ProxyServer proxy;
    static ProxyMetrics metrics = ProxyMetrics.inMemory();
    static TestPki.Ca serverCa;
    static TestPki.Leaf good;
    static TestPki.Leaf stranger;
    static TestPki.Leaf expired;
    static TestPki.Leaf revoked;
    static TestPki.Leaf serverAsClient;

    @BeforeAll
    static void start() throws Exception {
        // the JDK engine sends certificate_unknown for every refused certificate, whatever the trust manager says
        Assumptions.assumeTrue(TlsProvider.provider() == SslProvider.OPENSSL, "the alerts are BoringSSL's");
        LeakGuard.install();
        TestPki pki = new TestPki(dir);
        serverCa = pki.ca("servers");
        TestPki.Ca clientCa = pki.ca("clients");
        TestPki.Leaf server = serverCa.server("proxy");
        good = clientCa.client("good");
        stranger = pki.ca("elsewhere").client("stranger");
        expired = clientCa.leaf("expired", TestPki.expiredClient("expired").build());
        revoked = clientCa.client("revoked");
        // a certificate for servers only (no clientAuth extended key usage) offered as a client's
        serverAsClient = clientCa.leaf("server-as-client", CertificateSpec.server("web").dns("web").build());
        Path crl = clientCa.crl(revoked);
        origin = RecordingOrigin.start();
        proxy = ProxyServer.builder().metrics(metrics).build();
        proxy.start(TestConfigs.config(dir.resolve("proxy.conf"), List.of(
                TestConfigs.listener("mtls", TestConfigs.mtls(server, clientCa.certFile(), ClientAuth.REQUIRED,
                        false, crl))), List.of(
                TestConfigs.route("mtls", "mtls").endpoint(origin.port()).build())));
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (origin != null) {
            origin.close();
        }
        if (origin != null) {
            LeakGuard.assertNoLeaks();
        }
    }

    private static final String GET = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

    /** openssl s_client with {@code identity} (null: none); stdout and stderr together. */
    private static String sClient(String version, TestPki.Leaf identity) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ExternalProcess.binary("openssl"), "s_client", version,
                "-ign_eof", "-connect", "127.0.0.1:" + proxy.port("mtls"), "-servername", "localhost",
                "-CAfile", serverCa.certFile().toString()));
        if (identity != null) {
            cmd.addAll(List.of("-cert", identity.certFile().toString(), "-key", identity.keyFile().toString()));
        }
        ExternalProcess.Result r = ExternalProcess.run(cmd, GET, 20);
        return r.stdout() + r.stderr();
    }

    private static String curl(String version, TestPki.Leaf identity) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ExternalProcess.binary("curl"), "-sSv", version,
                "--tls-max", version.equals("--tlsv1.2") ? "1.2" : "1.3",
                "--cacert", serverCa.certFile().toString(), "https://localhost:" + proxy.port("mtls") + "/"));
        if (identity != null) {
            cmd.addAll(List.of("--cert", identity.certFile().toString(), "--key", identity.keyFile().toString()));
        }
        ExternalProcess.Result r = ExternalProcess.run(cmd, null, 20);
        return r.stdout() + r.stderr();
    }

    private static List<TlsFailure> failures() {
        return metrics.failures().snapshot();
    }

    private static TlsFailureReason awaitFailure(int before) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (failures().size() <= before && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        List<TlsFailure> all = failures();
        assertTrue(all.size() > before, "the proxy logged the refused handshake");
        return all.get(all.size() - 1).reason();
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

    private static void assertAlert(TestPki.Leaf identity, Alert tls12, Alert tls13, TlsFailureReason reason)
            throws Exception {
        for (String version : List.of("-tls1_2", "-tls1_3")) {
            Alert expected = version.equals("-tls1_2") ? tls12 : tls13;
            int before = failures().size();
            String out = sClient(version, identity);
            assertTrue(expected.seenBy(out), version + ": expected " + expected + " in " + out);
            assertFalse(out.contains("HTTP/1.1 200"), out);
            assertEquals(reason, awaitFailure(before), version);

            String curlVersion = version.equals("-tls1_2") ? "--tlsv1.2" : "--tlsv1.3";
            before = failures().size();
            String curlOut = curl(curlVersion, identity);
            assertTrue(expected.seenByCurl(curlOut), curlVersion + ": expected " + expected + " in " + curlOut);
            assertEquals(reason, awaitFailure(before), curlVersion);
        }
    }

    @Test
    void unknownCa() throws Exception {
        assertAlert(stranger, UNKNOWN_CA, UNKNOWN_CA, TlsFailureReason.UNKNOWN_CA);
    }

    @Test
    void expiredCertificate() throws Exception {
        assertAlert(expired, EXPIRED, EXPIRED, TlsFailureReason.EXPIRED);
    }

    @Test
    void revokedCertificate() throws Exception {
        assertAlert(revoked, REVOKED, REVOKED, TlsFailureReason.REVOKED);
    }

    @Test
    void certificateNotForClients() throws Exception {
        assertAlert(serverAsClient, BAD_CERTIFICATE, BAD_CERTIFICATE,
                TlsFailureReason.BAD_CERTIFICATE);
    }

    @Test
    void noCertificate() throws Exception {
        assertAlert(null, HANDSHAKE_FAILURE, CERTIFICATE_REQUIRED, TlsFailureReason.NO_CLIENT_CERT);
    }

    @Test
    void trustedClientIsServed() throws Exception {
        String out = sClient("-tls1_3", good);
        assertTrue(out.contains("HTTP/1.1 200"), out);
    }
}
