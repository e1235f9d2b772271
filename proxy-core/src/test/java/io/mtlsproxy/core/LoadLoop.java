package io.mtlsproxy.core;

import io.mtlsproxy.core.testing.Echo;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestPki;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * A bounded load on an {@link EdgeSetup} proxy, on two threads: one keep-alive connection sending requests one
 * after the other for the whole run, and one client opening a new connection (a new handshake) per request, with
 * whatever client certificate {@link #client} holds. Requests alternate between the plain and the mTLS origin.
 * Every answer other than 200, and every I/O error, is a failure; the keep-alive connection is reopened after
 * one, and that is counted.
 */
final class LoadLoop implements AutoCloseable {
    private static final long MAX_RUN_MILLIS = 45_000;

    private final EdgeSetup edge;
    final AtomicReference<TestPki.Leaf> client;
    private final Map<TestPki.Leaf, SSLContext> contexts = new ConcurrentHashMap<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final AtomicInteger keepAliveRequests = new AtomicInteger();
    private final AtomicInteger freshRequests = new AtomicInteger();
    private final AtomicInteger reconnects = new AtomicInteger();
    /** the server serial of the keep-alive connection's session, the last one a new connection saw */
    private final AtomicReference<BigInteger> keepAliveServerSerial = new AtomicReference<>();

    private final AtomicReference<BigInteger> freshServerSerial = new AtomicReference<>();
    /** the client certificate serial the mTLS origin saw last, through either client */
    private final AtomicReference<String> upstreamClientSerial = new AtomicReference<>();

    private final AtomicReference<TestPki.Leaf> lastFreshClient = new AtomicReference<>();
    private final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_RUN_MILLIS);
    private volatile boolean running = true;
    private final Thread keepAlive;
    private final Thread fresh;

    LoadLoop(EdgeSetup edge, TestPki.Leaf initialClient) {
        this.edge = edge;
        this.client = new AtomicReference<>(initialClient);
        this.keepAlive = new Thread(this::keepAliveLoop, "load-keep-alive");
        this.fresh = new Thread(this::freshLoop, "load-new-connections");
    }

    LoadLoop start() {
        keepAlive.start();
        fresh.start();
        return this;
    }

    private boolean go() {
        return running && System.nanoTime() < deadline;
    }

    private void keepAliveLoop() {
        TestPki.Leaf cert = client.get();
        int n = 0;
        while (go()) {
            try (RawHttpClient c = RawHttpClient.connectTls(edge.proxy.port("edge"), context(cert), "localhost")) {
                keepAliveServerSerial.set(EdgeSetup.serial(c));
                while (go()) {
                    request(c, n++ % 2 == 0 ? "/plain/ka" : "/secure/ka", "keep-alive");
                    keepAliveRequests.incrementAndGet();
                }
                return;
            } catch (Exception e) {
                failures.add("keep-alive: " + e);
                reconnects.incrementAndGet();
            }
        }
    }

    private void freshLoop() {
        int n = 0;
        while (go()) {
            TestPki.Leaf cert = client.get();
            try (RawHttpClient c = RawHttpClient.connectTls(edge.proxy.port("edge"), context(cert), "localhost")) {
                freshServerSerial.set(EdgeSetup.serial(c));
                request(c, n++ % 2 == 0 ? "/secure/new" : "/plain/new", "new-connection");
                freshRequests.incrementAndGet();
                lastFreshClient.set(cert);
            } catch (Exception e) {
                failures.add("new-connection: " + e);
            }
        }
    }

    private void request(RawHttpClient c, String path, String who) throws Exception {
        RawHttpClient.Response r = c.get("localhost", path);
        if (r.status() != 200) {
            failures.add(who + ": " + path + " answered " + r);
            return;
        }
        if (path.startsWith("/secure")) {
            upstreamClientSerial.set(Echo.parse(r.text()).peerSerial());
        }
    }

    /** One JDK context per client certificate, so that clients try to resume their sessions across reloads. */
    private SSLContext context(TestPki.Leaf cert) {
        return contexts.computeIfAbsent(cert, edge.fx::clientContext);
    }

    /** Waits until the new-connection client has completed a request with this certificate. */
    void awaitFreshRequestWith(TestPki.Leaf cert) throws InterruptedException {
        await(() -> cert.equals(lastFreshClient.get()), "a new connection with " + cert.certFile());
    }

    /** Waits until a new connection has seen this server serial. */
    void awaitFreshServerSerial(BigInteger serial) throws InterruptedException {
        await(() -> serial.equals(freshServerSerial.get()), "a new handshake presenting serial " + serial);
    }

    /** Waits until the mTLS origin has seen the proxy's client certificate with this serial. */
    void awaitUpstreamClientSerial(BigInteger serial) throws InterruptedException {
        await(() -> serial.toString(16).equals(upstreamClientSerial.get()), "the origin seeing serial " + serial);
    }

    private void await(Supplier<Boolean> condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.get()) {
            if (System.nanoTime() > end || !failures.isEmpty()) {
                throw new AssertionError("load: no " + what + "; failures: " + failures);
            }
            Thread.sleep(10);
        }
    }

    List<String> failures() {
        return failures;
    }

    int keepAliveRequests() {
        return keepAliveRequests.get();
    }

    int freshRequests() {
        return freshRequests.get();
    }

    int reconnects() {
        return reconnects.get();
    }

    BigInteger keepAliveServerSerial() {
        return keepAliveServerSerial.get();
    }

    /** Stops both clients and waits for them (bounded). */
    @Override
    public void close() throws InterruptedException {
        running = false;
        keepAlive.join(15_000);
        fresh.join(15_000);
    }
}
