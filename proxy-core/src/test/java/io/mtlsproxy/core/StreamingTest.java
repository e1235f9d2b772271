package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestOrigin;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * 64 MiB each way through the proxy with a slow receiver on the far side: the bytes arrive intact and the proxy's
 * own buffer memory stays a small fraction of the body, so it streams instead of buffering.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StreamingTest {
    static final long SIZE = 64L * 1024 * 1024;
    /** Far below the body: a proxy that buffered instead of streaming would go past it. */
    static final long MEMORY_BOUND = 24L * 1024 * 1024;

    @TempDir
    static Path dir;

    static ProxyFixture fx;
    static ProxyServer proxy;
    static final PooledByteBufAllocator ALLOC = new PooledByteBufAllocator(true);

    @BeforeAll
    static void start() throws Exception {
        fx = new ProxyFixture(dir);
        proxy = fx.start(
                ProxyServer.builder().allocator(ALLOC).workerThreads(2),
                List.of(
                        TestConfigs.listener(
                                "plain",
                                ListenerTls.plain(),
                                TestConfigs.limits(
                                        SIZE * 2,
                                        16 * 1024,
                                        java.time.Duration.ofSeconds(10),
                                        java.time.Duration.ofSeconds(30))),
                        TestConfigs.listener(
                                "mtls",
                                TestConfigs.mtls(fx.proxyServer, fx.clientCa.certFile(), ClientAuth.REQUIRED, false),
                                TestConfigs.limits(
                                        SIZE * 2,
                                        16 * 1024,
                                        java.time.Duration.ofSeconds(10),
                                        java.time.Duration.ofSeconds(30)))),
                List.of(
                        TestConfigs.route("plain", "plain")
                                .endpoint(fx.plainOrigin.port())
                                .build(),
                        TestConfigs.route("mtls", "mtls")
                                .endpoint(fx.mtlsOrigin.port())
                                .mtls(fx.originCa.certFile(), fx.proxyId)
                                .serverName("localhost")
                                .build()));
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    /** Samples the proxy allocator's memory in use while {@code work} runs; returns the peak. */
    private static long peakDuring(ThrowingRunnable work) throws Exception {
        AtomicLong peak = new AtomicLong();
        AtomicBoolean done = new AtomicBoolean();
        Thread sampler = new Thread(() -> {
            while (!done.get()) {
                long used = ALLOC.metric().usedDirectMemory() + ALLOC.metric().usedHeapMemory();
                peak.accumulateAndGet(used, Math::max);
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.start();
        try {
            work.run();
        } finally {
            done.set(true);
            sampler.join();
        }
        return peak.get();
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "mtls"})
    void uploadStreamsToASlowOrigin(String listener) throws Exception {
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        String[] answer = new String[1];
        long peak = peakDuring(() -> {
            try (RawHttpClient c = fx.connect(proxy, listener, fx.client)) {
                c.timeout(30_000);
                c.send("POST /upload?slow=1 HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + SIZE + "\r\n\r\n");
                OutputStream out = c.output();
                byte[] chunk = new byte[256 * 1024];
                for (long off = 0; off < SIZE; off += chunk.length) {
                    for (int i = 0; i < chunk.length; i++) {
                        chunk[i] = TestOrigin.pattern(off + i);
                    }
                    sent.update(chunk);
                    out.write(chunk);
                }
                out.flush();
                answer[0] = c.read().text();
            }
        });
        assertTrue(answer[0].contains("sha256=" + HexFormat.of().formatHex(sent.digest())), answer[0]);
        assertTrue(answer[0].contains("bytes=" + SIZE), answer[0]);
        assertTrue(peak < MEMORY_BOUND, "proxy buffer memory peaked at " + peak / 1024 + " KiB");
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "mtls"})
    void downloadStreamsToASlowClient(String listener) throws Exception {
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        MessageDigest received = MessageDigest.getInstance("SHA-256");
        long[] count = new long[1];
        long peak = peakDuring(() -> {
            try (RawHttpClient c = fx.connect(proxy, listener, fx.client)) {
                c.timeout(30_000);
                c.send("GET /download?bytes=" + SIZE + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
                RawHttpClient.Response head = c.readHead();
                assertEquals(200, head.status());
                assertEquals(String.valueOf(SIZE), head.header("Content-Length"));
                InputStream body = c.body(head);
                byte[] buf = new byte[256 * 1024];
                int n;
                while ((n = body.readNBytes(buf, 0, buf.length)) > 0) {
                    received.update(buf, 0, n);
                    count[0] += n;
                    Thread.sleep(1); // a slow reader: the proxy must not read the origin faster than this
                }
            }
        });
        byte[] chunk = new byte[256 * 1024];
        for (long off = 0; off < SIZE; off += chunk.length) {
            for (int i = 0; i < chunk.length; i++) {
                chunk[i] = TestOrigin.pattern(off + i);
            }
            expected.update(chunk);
        }
        assertEquals(SIZE, count[0]);
        assertArrayEquals(expected.digest(), received.digest());
        assertTrue(peak < MEMORY_BOUND, "proxy buffer memory peaked at " + peak / 1024 + " KiB");
    }
}
