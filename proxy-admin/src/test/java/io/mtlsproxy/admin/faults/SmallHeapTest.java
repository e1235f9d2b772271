package io.mtlsproxy.admin.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.core.testing.RawHttpClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 10,000 idle connections against a heap small enough that they press on it ({@code -Xmx24m}: about 6,000 of
 * them ended the process with an OutOfMemoryError): the proxy refuses new connections once its old generation is
 * 90 % full of live objects after a collection ({@code HeapPressure}), so there is no OutOfMemoryError and the
 * process stays up; a new client is closed at once, not left hanging; and once the idle connections are gone,
 * new clients are served again.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SmallHeapTest extends LimitedProxy {
    private static final int IDLE = 10_000;

    private final List<SocketChannel> idle = new ArrayList<>();

    @Test
    void tenThousandIdleConnectionsOnASmallHeapNeitherCrashNorStopService() throws Exception {
        int port = start("ulimit -n 20000", "-Xmx24m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError");

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
            assertTrue(
                    c.timeout(5000)
                            .send("GET /pressed HTTP/1.1\r\nHost: a\r\n\r\n")
                            .awaitClosed(),
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

    @Override
    void closeIdle() throws IOException {
        for (SocketChannel s : idle) {
            s.close();
        }
        idle.clear();
    }
}
