package io.mtlsproxy.admin.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.mtlsproxy.admin.testing.ProxyProcess;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestOrigin;

/**
 * 10,000 idle connections against a heap small enough that they press on it ({@code -Xmx24m}: about 6,000 of
 * them ended the process with an OutOfMemoryError): the proxy refuses new connections once its old generation is
 * 90 % full of live objects after a collection ({@code HeapPressure}), so there is no OutOfMemoryError and the
 * process stays up; a new client is closed at once, not left hanging; and once the idle connections are gone,
 * new clients are served again.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SmallHeapTest {
    private static final Pattern BOUND = Pattern.compile("listener edge bound on /127\\.0\\.0\\.1:(\\d+)");
    private static final int IDLE = 10_000;

    @TempDir
    Path dir;
    private ProxyProcess proxy;
    private TestOrigin origin;
    private final List<SocketChannel> idle = new ArrayList<>();

    @AfterEach
    void tearDown() throws IOException {
        closeIdle();
        if (proxy != null) {
            proxy.close();
        }
        if (origin != null) {
            origin.close();
        }
    }

    @Test
    void tenThousandIdleConnectionsOnASmallHeapNeitherCrashNorStopService() throws Exception {
        origin = TestOrigin.plain("origin");
        Path conf = dir.resolve("proxy.conf");
        Files.writeString(conf, """
                admin { bind = "127.0.0.1", port = 0 }
                reload { watch = false }
                access-log = "off"
                listeners = [{ name = edge, bind = "127.0.0.1", port = 0
                               limits { request-header-timeout = 60 s, idle-timeout = 60 s } }]
                routes = [{ name = main, listener = edge, match.path-prefix = "/",
                            upstream.endpoints = ["127.0.0.1:%d"] }]
                """.formatted(origin.port()));
        proxy = ProxyProcess.start(conf, "ulimit -n 20000", "-Xmx24m", "-XX:+UseSerialGC",
                "-XX:+ExitOnOutOfMemoryError");
        int port = Integer.parseInt(proxy.await(BOUND).group(1));

        for (int i = 0; i < IDLE; i++) {
            SocketChannel s = SocketChannel.open();
            try {
                s.connect(new InetSocketAddress("127.0.0.1", port));
            } catch (IOException e) {
                s.close();
                throw new AssertionError("connection " + i + " failed (" + e + "); the proxy "
                        + (proxy.process().isAlive() ? "is up" : "is gone") + ":\n" + proxy.output());
            }
            idle.add(s);
        }
        Thread.sleep(1000); // accepted, each with its pipeline and timers
        proxy.await(Pattern.compile("heap nearly full .*: refusing new connections"));
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            // refused: closed at once, before the request is read (no answer, no hang)
            assertTrue(c.timeout(5000).send("GET /pressed HTTP/1.1\r\nHost: a\r\n\r\n").awaitClosed(),
                    "a new connection is closed while the heap is pressed");
        } catch (IOException resetOnSend) {
            // closed before the request went out: refused as well
        }
        assertTrue(proxy.process().isAlive(), proxy.output());
        closeIdle();
        assertEquals(200, servedWithin(port, 20), "and after they are gone");
        assertTrue(proxy.process().isAlive(), proxy.output());
        assertFalse(proxy.output().contains("OutOfMemoryError"), proxy.output());
    }

    private static int servedWithin(int port, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            try (RawHttpClient c = RawHttpClient.connect(port)) {
                return c.timeout(5000).get("localhost", "/small-heap").status();
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        return -1;
    }

    private void closeIdle() throws IOException {
        for (SocketChannel s : idle) {
            s.close();
        }
        idle.clear();
    }
}
