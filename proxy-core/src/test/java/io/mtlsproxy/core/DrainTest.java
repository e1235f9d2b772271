package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestConfigs;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Drain: not ready, no new connections, idle ones closed, in-flight requests finish within the grace. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DrainTest {
    @TempDir
    Path dir;

    ProxyFixture fx;
    ProxyServer proxy;

    @BeforeEach
    void setUp() throws Exception {
        fx = new ProxyFixture(dir);
        proxy = fx.start(
                List.of(TestConfigs.listener("plain", ListenerTls.plain())),
                List.of(TestConfigs.route("slow", "plain")
                        .endpoint(fx.plainOrigin.port())
                        .build()));
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    private void awaitOriginRequests(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (fx.plainOrigin.requests() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(n, fx.plainOrigin.requests());
    }

    @Test
    void inFlightRequestFinishesWhileNewConnectionsAreRefused() throws Exception {
        int port = proxy.port("plain");
        assertTrue(proxy.view().ready());
        try (RawHttpClient idle = RawHttpClient.connect(port);
                RawHttpClient busy = RawHttpClient.connect(port)) {
            assertEquals(200, idle.get("localhost", "/warm-up").status());
            busy.send("GET /slow?ms=1000 HTTP/1.1\r\nHost: localhost\r\n\r\n");
            awaitOriginRequests(2);

            CompletableFuture<Boolean> drained =
                    CompletableFuture.supplyAsync(() -> proxy.drain(Duration.ofSeconds(10)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (proxy.view().ready() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertFalse(proxy.view().ready());
            assertTrue(proxy.view().draining());
            assertTrue(idle.awaitClosed(), "an idle keep-alive connection is closed at once");
            Thread.sleep(50); // the listening socket is closed right after readiness turns false
            assertThrows(ConnectException.class, () -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                }
            });
            assertFalse(drained.isDone(), "still waiting for the in-flight request");

            RawHttpClient.Response r = busy.read();
            assertEquals(200, r.status());
            assertEquals("close", r.header("Connection"));
            assertTrue(busy.awaitClosed());
            assertTrue(drained.get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void graceOverCutsOffWhatIsStillBusy() throws Exception {
        try (RawHttpClient busy = RawHttpClient.connect(proxy.port("plain"))) {
            busy.send("GET /slow?ms=5000 HTTP/1.1\r\nHost: localhost\r\n\r\n");
            awaitOriginRequests(1);
            long start = System.nanoTime();
            assertFalse(proxy.drain(Duration.ofMillis(300)));
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3));
            assertTrue(busy.awaitClosed());
        }
    }
}
