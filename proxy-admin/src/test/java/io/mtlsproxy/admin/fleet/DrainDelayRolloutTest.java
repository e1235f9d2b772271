package io.mtlsproxy.admin.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.admin.app.ProxyApp;
import io.mtlsproxy.admin.testing.ProxyProcess;
import io.mtlsproxy.admin.testing.TcpBalancer;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestOrigin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
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
 * A rollout behind a network load balancer: two replicas behind a {@link TcpBalancer} that sends new connections
 * only to replicas whose /readyz answers 200. One replica (a real {@code run} process) gets SIGTERM with
 * {@code drain-delay = 2s} under keep-alive and new-connection load: /readyz turns 503 at once while its listener
 * still accepts, the balancer moves new connections to the other replica, keep-alive clients are told
 * {@code Connection: close} and come back through the balancer, and no connection is refused and no request fails.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DrainDelayRolloutTest {
    private static final int KEEP_ALIVE_CLIENTS = 4;
    private static final int NEW_CONNECTION_CLIENTS = 2;

    @TempDir
    Path dir;

    private TestOrigin origin;
    private ProxyProcess rolled;
    private ProxyApp stays;
    private TcpBalancer balancer;
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void tearDown() {
        pool.shutdownNow();
        if (balancer != null) {
            balancer.close();
        }
        if (rolled != null) {
            rolled.close();
        }
        if (stays != null) {
            stays.close();
        }
        if (origin != null) {
            origin.close();
        }
    }

    private Path config(String name, String shutdown) throws IOException {
        Path conf = dir.resolve(name + ".conf");
        Files.writeString(conf, """
                admin { bind = "127.0.0.1", port = 0 }
                reload { watch = false }
                %s
                access-log = "off"
                listeners = [{ name = edge, bind = "127.0.0.1", port = 0 }]
                routes = [{ name = main, listener = edge, match.path-prefix = "/",
                            upstream.endpoints = ["127.0.0.1:%d"] }]
                """.formatted(shutdown, origin.port()));
        return conf;
    }

    @Test
    void sigtermWithADrainDelayRefusesNoConnectionAndFailsNoRequest() throws Exception {
        origin = TestOrigin.plain("origin");
        rolled = ProxyProcess.run(config("rolled", "shutdown { drain-delay = 2s, grace = 10s }"));
        stays = ProxyApp.start(config("stays", "shutdown-grace = 10s"));
        int rolledAdmin = rolled.adminPort();
        int rolledPort = rolled.listenerPort("edge");
        balancer = new TcpBalancer(
                List.of(
                        new TcpBalancer.Backend(rolledPort, rolledAdmin),
                        new TcpBalancer.Backend(stays.port("edge"), stays.adminPort())),
                100);
        assertEquals(2, balancer.ready().size(), "both replicas are ready before the rollout");

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger ok = new AtomicInteger();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        List<Future<?>> clients = new ArrayList<>();
        for (int i = 0; i < KEEP_ALIVE_CLIENTS; i++) {
            int id = i;
            clients.add(pool.submit(() -> keepAlive(id, stop, ok, failures)));
        }
        for (int i = 0; i < NEW_CONNECTION_CLIENTS; i++) {
            int id = i;
            clients.add(pool.submit(() -> newConnections(id, stop, ok, failures)));
        }
        awaitAtLeast(ok, 60);

        long termAt = System.nanoTime();
        rolled.signal("TERM");
        rolled.await(Pattern.compile("drain announced"));
        assertTrue(acceptsWhileDelayed(rolledPort), "the listener still accepts during the drain delay");
        assertTrue(rolled.process().waitFor(20, TimeUnit.SECONDS), "the rolled replica exits");
        long tookMs = (System.nanoTime() - termAt) / 1_000_000;
        int atExit = ok.get();
        awaitAtLeast(ok, atExit + 30); // the load goes on through the replica that stays
        stop.set(true);
        for (Future<?> f : clients) {
            f.get(20, TimeUnit.SECONDS);
        }

        assertEquals(0, rolled.process().exitValue(), rolled.output());
        assertTrue(tookMs >= 2000, "the listener closed only after the drain delay (" + tookMs + " ms)");
        assertEquals(List.of(), List.copyOf(failures), "no request failed");
        assertEquals(0, balancer.refused(), "no connection was refused");
        assertEquals(1, balancer.deregistrations(), "the balancer deregistered the rolled replica");
        assertFalse(rolled.output().contains("LEAK:"), rolled.output());
        assertTrue(rolled.output().contains("drained") && !rolled.output().contains("cut off"), rolled.output());
    }

    /** One keep-alive client: requests one after another, a new connection only when told to close. */
    private void keepAlive(int id, AtomicBoolean stop, AtomicInteger ok, ConcurrentLinkedQueue<String> failures) {
        int n = 0;
        while (!stop.get()) {
            try (RawHttpClient c = RawHttpClient.connect(balancer.port()).timeout(10_000)) {
                boolean open = true;
                while (open && !stop.get()) {
                    RawHttpClient.Response r = c.get("localhost", "/ka" + id + "/slow?ms=20&n=" + n++);
                    check(r, ok, failures);
                    open = !"close".equalsIgnoreCase(r.header("Connection"));
                }
            } catch (IOException e) {
                failures.add("keep-alive client " + id + ": " + e);
                return;
            }
        }
    }

    /** One client that opens a connection per request (Connection: close). */
    private void newConnections(int id, AtomicBoolean stop, AtomicInteger ok, ConcurrentLinkedQueue<String> failures) {
        int n = 0;
        while (!stop.get()) {
            try (RawHttpClient c = RawHttpClient.connect(balancer.port()).timeout(10_000)) {
                c.send("GET /nc" + id + "?n=" + n++ + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
                check(c.read(), ok, failures);
            } catch (IOException e) {
                failures.add("new-connection client " + id + ": " + e);
                return;
            }
        }
    }

    private static void check(RawHttpClient.Response r, AtomicInteger ok, ConcurrentLinkedQueue<String> failures) {
        if (r.status() == 200 && r.text().startsWith("origin=origin")) {
            ok.incrementAndGet();
        } else {
            failures.add("status " + r.status() + ": " + r.text());
        }
    }

    private static boolean acceptsWhileDelayed(int port) {
        try (RawHttpClient c = RawHttpClient.connect(port).timeout(5_000)) {
            return c.get("localhost", "/direct").status() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    private static void awaitAtLeast(AtomicInteger counter, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (counter.get() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(counter.get() >= n, "only " + counter.get() + " of " + n + " requests");
    }
}
