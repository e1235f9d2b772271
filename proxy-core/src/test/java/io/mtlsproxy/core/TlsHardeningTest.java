package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.metrics.TlsFailure;
import io.mtlsproxy.core.metrics.TlsFailureReason;
import io.mtlsproxy.core.testing.ExternalProcess;
import io.mtlsproxy.core.testing.OpenSslRenegotiation;
import io.mtlsproxy.core.testing.LeakGuard;
import io.mtlsproxy.core.testing.RecordingOrigin;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestPki;

/**
 * The essentials of a testssl.sh scan (docs/security/run-testssl.sh keeps the full reports), checked in seconds with
 * {@code openssl s_client} against a TLS and an mTLS listener: TLS 1.0 and 1.1 are refused, so are CBC, static-RSA
 * and 3DES suites, and a client cannot renegotiate. Each refusal is asserted on the proxy's side too (it shows on
 * /tls/failures), so that a client that never offered the old protocol cannot pass for a server that refused it.
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

    @BeforeAll
    static void start() throws Exception {
        LeakGuard.install();
        TestPki pki = new TestPki(dir);
        serverCa = pki.ca("servers");
        TestPki.Ca clientCa = pki.ca("clients");
        TestPki.Leaf server = serverCa.server("proxy");
        client = clientCa.client("scanner");
        origin = RecordingOrigin.start();
        proxy = ProxyServer.builder().metrics(metrics).build();
        proxy.start(TestConfigs.config(dir.resolve("proxy.conf"), List.of(
                TestConfigs.listener("tls", TestConfigs.tls(server)),
                TestConfigs.listener("mtls", TestConfigs.mtls(server, clientCa.certFile(), ClientAuth.REQUIRED,
                        false))), List.of(
                TestConfigs.route("tls", "tls").endpoint(origin.port()).build(),
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
        LeakGuard.assertNoLeaks();
    }

    /** Runs s_client against a listener with the client certificate, sending {@code stdin}. */
    private static ExternalProcess.Result sClient(String listener, String stdin, String... options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ExternalProcess.binary("openssl"), "s_client",
                "-connect", "127.0.0.1:" + proxy.port(listener), "-servername", "localhost",
                "-CAfile", serverCa.certFile().toString(),
                "-cert", client.certFile().toString(), "-key", client.keyFile().toString()));
        cmd.addAll(List.of(options));
        return ExternalProcess.run(cmd, stdin, 20);
    }

    private static final String GET = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

    private static List<TlsFailure> failuresOf(String listener) {
        return metrics.failures().snapshot().stream().filter(f -> f.name().equals(listener)).toList();
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
            assertEquals(TlsFailureReason.PROTOCOL_VERSION, awaitFailure(listener, before).reason(), version);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"AES128-SHA", "AES256-GCM-SHA384", "ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES256-SHA384",
        "DES-CBC3-SHA"})
    void weakTls12CipherSuitesAreRefused(String suite) throws Exception {
        for (String listener : List.of("tls", "mtls")) {
            int before = failuresOf(listener).size();
            ExternalProcess.Result r = sClient(listener, GET, "-tls1_2", "-cipher", suite + ":@SECLEVEL=0");
            assertNotEquals(0, r.exitCode(), suite + " on " + listener + ": " + r.stdout());
            assertFalse(r.stdout().contains("HTTP/1.1"), suite);
            if (!r.stderr().contains("no cipher match")) {
                awaitFailure(listener, before); // the client offered it and the proxy turned it down
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tls", "mtls"})
    void clientInitiatedRenegotiationIsRefused(String listener) throws Exception {
        ExternalProcess.Result r = OpenSslRenegotiation.attempt(proxy.port(listener), serverCa.certFile(),
                "-cert", client.certFile().toString(), "-key", client.keyFile().toString());
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
}
