package io.mtlsproxy.admin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.admin.testing.ProxyProcess;
import io.mtlsproxy.admin.testing.TcpBalancer;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestOrigin;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a real {@code run} process in the middle of a bounded load: /readyz turns 503, the listener stops
 * accepting, every request that reached the origin gets its complete 200 (no request the proxy took is lost), and
 * the process exits 0 within shutdown-grace, with no leaked buffer (the child runs with paranoid leak detection).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DrainUnderLoadTest {
    private static final int WORKERS = 6;
    private static final int GRACE_SECONDS = 10;

    @TempDir
    Path dir;

    private ProxyProcess proxy;
    private Process process;
    private TestOrigin origin;
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void tearDown() {
        pool.shutdownNow();
        if (proxy != null) {
            proxy.close();
        }
        if (origin != null) {
            origin.close();
        }
    }

    @Test
    void sigtermUnderLoadLosesNoRequestAndExitsZeroWithinTheGrace() throws Exception {
        origin = TestOrigin.plain("origin");
        Path conf = dir.resolve("proxy.conf");
        Files.writeString(conf, """
                admin { bind = "127.0.0.1", port = 0 }
                reload { watch = false }
                shutdown-grace = %d s
                access-log = "off"
                listeners = [{ name = edge, bind = "127.0.0.1", port = 0 }]
                routes = [{ name = main, listener = edge, match.path-prefix = "/",
                            upstream.endpoints = ["127.0.0.1:%d"] }]
                """.formatted(GRACE_SECONDS, origin.port()));
        proxy = ProxyProcess.run(conf);
        process = proxy.process();
        int admin = proxy.adminPort(); // logged before the listeners bind
        int port = proxy.listenerPort("edge");
        assertEquals(200, readyz(admin));

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger completedAfterTerm = new AtomicInteger();
        AtomicBoolean termSent = new AtomicBoolean();
        List<Future<String>> workers = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            int id = w;
            workers.add(pool.submit(() -> load(port, id, stop, ok, termSent, completedAfterTerm)));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (ok.get() < WORKERS * 3 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(ok.get() >= WORKERS * 3, "the load runs before the signal");

        termSent.set(true);
        long termAt = System.nanoTime();
        proxy.signal("TERM");
        proxy.await(Pattern.compile("draining"));
        boolean sawNotReady = false;
        while (process.isAlive() && !sawNotReady) {
            sawNotReady = readyz(admin) == 503;
        }
        assertTrue(sawNotReady, "/readyz answered 503 while draining");
        assertTrue(refusesConnections(port), "no new connection is accepted while draining");

        assertTrue(process.waitFor(GRACE_SECONDS + 5, TimeUnit.SECONDS), "the process exits");
        long took = System.nanoTime() - termAt;
        assertEquals(0, process.exitValue(), proxy.output());
        assertTrue(took < TimeUnit.SECONDS.toNanos(GRACE_SECONDS), "exit after " + took / 1_000_000 + " ms");
        stop.set(true);
        for (Future<String> f : workers) {
            String problem = f.get(20, TimeUnit.SECONDS);
            assertEquals("", problem, "a worker saw a broken response");
        }
        assertTrue(completedAfterTerm.get() >= 1, "requests in flight at the signal completed after it");
        assertEquals(origin.requests(), ok.get(), "every request that reached the origin got its complete 200 back");
        assertFalse(proxy.output().contains("LEAK:"), "no leaked buffer in the proxy");
        assertTrue(
                proxy.output().lines().anyMatch(l -> l.contains("drained") && !l.contains("cut off")), proxy.output());
    }

    /**
     * One client of the load: keep-alive requests to a slow path, one at a time, reconnecting when the proxy closes
     * the connection, until the proxy refuses connections. Returns "" or what was wrong with a response.
     */
    private static String load(
            int port,
            int id,
            AtomicBoolean stop,
            AtomicInteger ok,
            AtomicBoolean termSent,
            AtomicInteger completedAfterTerm) {
        int n = 0;
        while (!stop.get()) {
            RawHttpClient c;
            try {
                c = RawHttpClient.connect(port);
            } catch (IOException refused) {
                return ""; // the listener is closed: this client is done
            }
            try (c) {
                while (!stop.get()) {
                    boolean afterTerm = termSent.get();
                    c.send("GET /w" + id + "/slow?ms=" + (200 + 40 * id) + "&n=" + n++ + " HTTP/1.1\r\n"
                            + "Host: localhost\r\n\r\n");
                    RawHttpClient.Response r;
                    try {
                        r = c.read();
                    } catch (IOException closedBeforeAnswer) {
                        break; // closed while idle, before the proxy took the request: the origin never saw it
                    }
                    if (r.status() != 200 || !r.text().startsWith("origin=origin")) {
                        return "status " + r.status() + ": " + r.text();
                    }
                    ok.incrementAndGet();
                    if (termSent.get() && !afterTerm) {
                        completedAfterTerm.incrementAndGet();
                    }
                    if ("close".equalsIgnoreCase(r.header("Connection"))) {
                        break;
                    }
                }
            } catch (IOException e) {
                // a send on a connection the proxy just closed: same as above
            }
        }
        return "";
    }

    /** True once a connect is refused (the listener closes just after the "draining" line). */
    private boolean refusesConnections(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() < deadline) {
            try {
                RawHttpClient.connect(port).close();
            } catch (ConnectException refused) {
                return true;
            } catch (IOException other) {
                // try again
            }
            Thread.sleep(10);
        }
        return false;
    }

    private static int readyz(int admin) {
        return TcpBalancer.readyz(admin);
    }
}
