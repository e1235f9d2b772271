package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.H2EchoOrigin;
import io.mtlsproxy.core.testing.LeakGuard;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestConfigs;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ProxyServer.close()} with connections in every state: a keep-alive HTTP/1.1 client, an HTTP/2 client,
 * one that sent half a ClientHello (its bytes held by the SNI handler), one in the middle of a request body, and
 * the pooled TLS and HTTP/2 origin connections behind them. Every channel must be closed while its event loop
 * still runs: one that only the loop's own shutdown closes may never run its pipeline's teardown, and what its
 * handlers hold (a partial record, a queued frame, a BoringSSL engine) is never released; paranoid leak detection
 * reports it.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ShutdownTest {
    @TempDir
    static Path dir;

    static ProxyFixture fx;

    @BeforeAll
    static void start() throws Exception {
        LeakGuard.install();
        fx = new ProxyFixture(dir);
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @Test
    void closeEndsEveryConnectionWhileTheEventLoopsStillRun() throws Exception {
        startUseAndClose();
        // the proxy is unreachable now, so are its channels: a buffer or engine they still held is reported
        LeakGuard.assertNoLeaks();
    }

    private static void startUseAndClose() throws Exception {
        H2EchoOrigin h2Origin = fx.closeLater(new H2EchoOrigin("h2-origin", fx.originCert, fx.proxyIdCa.certFile()));
        // accepts TCP and never answers the ClientHello: the proxy's HTTP/2 preface waits in its SslHandler
        ServerSocket silent = fx.closeLater(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        ProxyServer proxy =
                ProxyServer.builder().metrics(ProxyMetrics.inMemory()).build();
        proxy.start(fx.config(
                List.of(TestConfigs.listener(
                        "mtls", TestConfigs.mtls(fx.proxyServer, fx.clientCa.certFile(), ClientAuth.REQUIRED, true))),
                List.of(
                        fx.mtlsRoute("to-h1", "mtls", "/h1", fx.mtlsOrigin.port())
                                .build(),
                        ProtoConfigs.h2(fx.mtlsRoute("to-h2", "mtls", "/h2", h2Origin.port())
                                .build()),
                        ProtoConfigs.h2(fx.mtlsRoute("to-silent", "mtls", "/silent", silent.getLocalPort())
                                .connectTimeout(Duration.ofSeconds(20))
                                .build()))));
        int port = proxy.port("mtls");
        HttpClient h2 = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .sslContext(fx.clientContext(fx.client))
                .build();
        try (RawHttpClient keepAlive = RawHttpClient.connectTls(port, fx.clientContext(fx.client), "localhost");
                RawHttpClient midBody = RawHttpClient.connectTls(port, fx.clientContext(fx.client), "localhost");
                RawHttpClient waiting = RawHttpClient.connectTls(port, fx.clientContext(fx.client), "localhost");
                Socket halfHello = new Socket()) {
            assertEquals(200, keepAlive.get("localhost", "/h1/a").status(), "and its origin connection is pooled");
            HttpResponse<String> r = h2.send(
                    HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/h2/b"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            midBody.send("POST /h1/c HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n" + "x".repeat(100));
            waiting.send("GET /silent/d HTTP/1.1\r\nHost: localhost\r\n\r\n");
            Socket handshaking = silent.accept(); // the proxy is in the handshake with the silent origin
            fx.closeLater(handshaking);
            halfHello.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            // a handshake record announcing 512 bytes, of which 6 arrive
            halfHello
                    .getOutputStream()
                    .write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 3, 3});
            halfHello.getOutputStream().flush();
            Thread.sleep(200); // the proxy has read them all

            long start = System.nanoTime();
            proxy.close();
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "close does not wait on clients");
            assertTrue(keepAlive.awaitClosed());
            assertTrue(midBody.awaitClosed());
            assertTrue(waiting.awaitClosed());
            halfHello.setSoTimeout(5000);
            assertTrue(ended(halfHello.getInputStream()));
        }
    }

    private static boolean ended(InputStream in) {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }
}
