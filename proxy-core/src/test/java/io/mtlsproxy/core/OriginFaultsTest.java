package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.FaultyOrigin;
import io.mtlsproxy.core.testing.ProcessOrigin;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestConfigs;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Origins that fail as machines do, beyond {@code FailingOriginsTest}'s: one that accepts and never reads (a hung
 * process whose socket the kernel still accepts for), and one killed with -9 in the middle of a response (the
 * kernel closes its sockets). The client gets a clean answer or a cut-off body, the proxy holds no more than a
 * bounded amount of memory for it, and the route works again as soon as the origin does.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OriginFaultsTest {
    @TempDir
    Path dir;

    private final PooledByteBufAllocator allocator = new PooledByteBufAllocator(true);
    private ProxyServer proxy;
    private FaultyOrigin deaf;
    private ProcessOrigin killed;

    @AfterEach
    void tearDown() throws InterruptedException {
        if (proxy != null) {
            proxy.close();
        }
        if (deaf != null) {
            deaf.close();
        }
        if (killed != null) {
            killed.close();
        }
    }

    private void start(RouteConfig route) throws Exception {
        proxy = ProxyServer.builder()
                .metrics(ProxyMetrics.inMemory())
                .allocator(allocator)
                .workerThreads(1)
                .build();
        // a body limit far above what the kernel's socket buffers can absorb, so that the proxy's own flow control
        // is what holds the upload back
        proxy.start(TestConfigs.config(
                dir.resolve("proxy.conf"),
                List.of(TestConfigs.listener(
                        "edge",
                        ListenerTls.plain(),
                        TestConfigs.limits(1L << 30, 8192, Duration.ofSeconds(10), Duration.ofSeconds(60)))),
                List.of(route)));
    }

    @Test
    void anOriginThatNeverReadsGets504AndHoldsNoMemory() throws Exception {
        deaf = FaultyOrigin.start(FaultyOrigin.Fault.NEVER_READS);
        start(TestConfigs.route("deaf", "edge")
                .endpoint(deaf.port())
                .responseTimeout(Duration.ofMillis(500))
                .build());
        long body = 256L << 20;
        try (RawHttpClient c = RawHttpClient.connect(proxy.port("edge"))) {
            c.send("POST /upload HTTP/1.1\r\nHost: a.test\r\nContent-Length: " + body + "\r\n\r\n");
            long start = System.nanoTime();
            CompletableFuture<Long> sent = CompletableFuture.supplyAsync(() -> upload(c, body));
            RawHttpClient.Response r = c.timeout(10_000).read();
            assertEquals(504, r.status(), r.text());
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(took < 5000, "the 504 comes after response-timeout, not idle-timeout: " + took + " ms");
            sent.get(30, TimeUnit.SECONDS); // the client is not left blocked in its upload either
            long held =
                    allocator.metric().usedDirectMemory() + allocator.metric().usedHeapMemory();
            assertTrue(held < 16L << 20, "buffer memory held for a deaf origin: " + held);
        }
    }

    @Test
    void anOriginKilledMidResponseCutsTheClientOffAndTheRouteRecoversWithIt() throws Exception {
        killed = ProcessOrigin.start(0);
        int port = killed.port();
        start(TestConfigs.route("killed", "edge")
                .endpoint(port)
                .responseTimeout(Duration.ofSeconds(5))
                .build());
        try (RawHttpClient c = RawHttpClient.connect(proxy.port("edge"))) {
            c.send("GET /big HTTP/1.1\r\nHost: a.test\r\n\r\n");
            RawHttpClient.Response head = c.readHead();
            assertEquals(200, head.status());
            InputStream in = c.body(head);
            in.readNBytes(256 * 1024); // mid-response
            killed.kill9();
            long start = System.nanoTime();
            assertThrows(
                    IOException.class,
                    () -> in.transferTo(OutputStream.nullOutputStream()),
                    "the body ends short of its Content-Length: the client knows it is cut off");
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "at once, not after a timeout");
        }
        try (RawHttpClient c = RawHttpClient.connect(proxy.port("edge"))) {
            assertEquals(502, c.get("a.test", "/while-down").status(), "the origin is down: 502");
        }
        killed = ProcessOrigin.start(port); // the origin comes back on its port
        try (RawHttpClient c = RawHttpClient.connect(proxy.port("edge"))) {
            RawHttpClient.Response r = c.get("a.test", "/small");
            assertEquals(200, r.status(), r.text());
            assertEquals("ok\n", new String(r.body(), StandardCharsets.US_ASCII));
        }
    }

    /** Writes the body until done or the proxy closes the connection; returns the bytes written. */
    private static long upload(RawHttpClient c, long body) {
        byte[] chunk = new byte[64 * 1024];
        long written = 0;
        try {
            OutputStream out = c.output();
            while (written < body) {
                out.write(chunk);
                written += chunk.length;
            }
        } catch (IOException e) {
            // the proxy closed the connection after its 504
        }
        return written;
    }
}
