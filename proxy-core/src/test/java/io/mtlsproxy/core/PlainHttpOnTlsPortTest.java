package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.metrics.TlsFailure;
import io.mtlsproxy.core.testing.ExternalProcess;
import io.mtlsproxy.core.testing.LeakGuard;
import io.mtlsproxy.core.testing.RecordingOrigin;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestPki;

/** Plain HTTP sent to a TLS port gets nginx's 400 "plain HTTP request was sent to HTTPS port", not silence. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PlainHttpOnTlsPortTest {
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
        client = clientCa.client("client");
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

    @Test
    void curlGetsA400ThatSaysWhy() throws Exception {
        for (String listener : List.of("tls", "mtls")) {
            int before = metrics.failures().snapshot().size();
            ExternalProcess.Result r = ExternalProcess.run(List.of(ExternalProcess.binary("curl"), "-sS",
                    "-w", "\n%{http_code}", "http://127.0.0.1:" + proxy.port(listener) + "/"), null, 20);
            assertTrue(r.stdout().endsWith("\n400"), listener + ": " + r.stdout() + r.stderr());
            assertTrue(r.stdout().contains("The plain HTTP request was sent to HTTPS port"), r.stdout());
            TlsFailure listed = awaitFailure(listener, before);
            assertTrue(listed.detail().contains("plain HTTP"), listed.detail());
        }
    }

    @Test
    void aLargeRequestStillGetsTheAnswer() throws Exception {
        // the client is still sending when the answer comes: the close must not turn into a reset
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", proxy.port("tls")), 5000);
            s.setSoTimeout(10_000);
            String body = "x".repeat(200_000);
            s.getOutputStream().write(("POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: "
                    + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            s.getInputStream().transferTo(answer);
            String text = answer.toString(StandardCharsets.US_ASCII);
            assertTrue(text.startsWith("HTTP/1.1 400 Bad Request\r\n"), text);
        }
    }

    @Test
    void tlsClientsAreStillServed() throws Exception {
        ExternalProcess.Result r = ExternalProcess.run(List.of(ExternalProcess.binary("curl"), "-sS",
                "-o", "/dev/null", "-w", "%{http_code}", "--cacert", serverCa.certFile().toString(),
                "--cert", client.certFile().toString(), "--key", client.keyFile().toString(),
                "https://localhost:" + proxy.port("mtls") + "/"), null, 20);
        assertEquals("200", r.stdout(), r.stderr());
    }

    private static TlsFailure awaitFailure(String listener, int before) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            List<TlsFailure> all = metrics.failures().snapshot();
            if (all.size() > before && all.get(all.size() - 1).name().equals(listener)) {
                return all.get(all.size() - 1);
            }
            Thread.sleep(5);
        }
        throw new AssertionError("nothing listed on /tls/failures for " + listener);
    }
}
