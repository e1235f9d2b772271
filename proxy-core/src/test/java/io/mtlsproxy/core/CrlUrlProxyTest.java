package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.config.CrlUrl;
import io.mtlsproxy.config.DenyList;
import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.config.OcspSettings;
import io.mtlsproxy.config.ProxyConfig;
import io.mtlsproxy.config.Source;
import io.mtlsproxy.config.TlsMode;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.revocation.FetchedCrl;
import io.mtlsproxy.core.testing.NginxOrigin;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestPki;
import io.mtlsproxy.core.tls.CrlUse;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tls.crl} as an {@code http://} URL served by a real nginx: fetched at start, fetched again before its
 * nextUpdate, and a fetch that newly revokes a connected client closes that client's keep-alive connection within a
 * second while a load of other clients loses nothing; with nginx gone the last good CRL stays enforced and the
 * error is on the CRL's state.
 */
@Timeout(value = 40, unit = TimeUnit.SECONDS)
class CrlUrlProxyTest {
    /** Short, so that the proxy fetches again within 2-3 s; every CRL the test publishes is fresh. */
    private static final Duration NEXT_UPDATE = Duration.ofSeconds(4);

    @TempDir
    Path dir;

    ProxyFixture fx;
    ProxyMetrics metrics;
    ProxyServer proxy;
    Path served;
    NginxOrigin nginx;

    @BeforeEach
    void setUp() throws Exception {
        fx = new ProxyFixture(dir);
        metrics = ProxyMetrics.inMemory();
        Path root = Files.createDirectories(dir.resolve("www"));
        served = root.resolve("clients.crl");
        nginx = NginxOrigin.files(Files.createDirectories(dir.resolve("nginx")), root);
    }

    @AfterEach
    void tearDown() {
        fx.close();
        nginx.close();
    }

    private ProxyConfig config(URI crl) {
        ListenerTls tls = new ListenerTls(
                TlsMode.MTLS,
                ClientAuth.REQUIRED,
                List.of(TestConfigs.pem(fx.proxyServer, "tls.certificates.0")),
                Optional.of(TestConfigs.file(fx.clientCa.certFile(), "tls.client-ca")),
                Optional.empty(),
                2,
                ListenerTls.DEFAULT_PROTOCOLS,
                true,
                DenyList.EMPTY,
                true,
                Optional.of(new CrlUrl(crl, "listeners.edge.tls.crl", new Source("proxy.conf", 7))),
                List.of(),
                OcspSettings.OFF);
        return fx.config(
                List.of(TestConfigs.listener("edge", tls)),
                List.of(TestConfigs.route("any", "edge")
                        .endpoint(fx.plainOrigin.port())
                        .build()));
    }

    private URI url() {
        return URI.create("http://127.0.0.1:" + nginx.port() + "/clients.crl");
    }

    /** Publishes a CRL the way a CA does: the whole file at once, so nginx never serves half of it. */
    private Instant publish(Instant thisUpdate, TestPki.Leaf... revoked) throws IOException {
        Path written = fx.clientCa.crl(thisUpdate, Instant.now().plus(NEXT_UPDATE), revoked);
        Path tmp = served.resolveSibling("clients.crl.tmp");
        Files.copy(written, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, served, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return thisUpdate.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }

    private CrlUse enforced() {
        List<CrlUse> crls = proxy.view().crls();
        assertEquals(1, crls.size(), crls::toString);
        return crls.get(0);
    }

    private static void await(BooleanSupplier condition, Duration within, String what) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(20);
        }
    }

    private int status(TestPki.Leaf client) {
        return fx.status(proxy, "edge", client);
    }

    @Test
    void aFetchThatRevokesAConnectedClientClosesItWhileTheLoadLosesNothing() throws Exception {
        TestPki.Leaf bad = fx.clientCa.client("soon-revoked");
        Instant first = publish(Instant.now().minusSeconds(60));
        proxy = ProxyServer.builder().metrics(metrics).build();
        fx.closeLater(proxy);
        proxy.start(config(url()));
        assertEquals(url().toString(), enforced().location());
        assertEquals(first, enforced().crl().getThisUpdate().toInstant(), "fetched at start");

        Instant second = publish(Instant.now().minusSeconds(30));
        await(
                () -> enforced().crl().getThisUpdate().toInstant().equals(second),
                Duration.ofSeconds(6),
                "fetched again before nextUpdate");
        FetchedCrl.Status status = enforced().fetch().orElseThrow().get();
        assertEquals(url(), status.url());
        assertTrue(status.lastFetch().isPresent() && status.lastError().isEmpty(), status::toString);

        try (Load load = new Load(fx.client);
                RawHttpClient revoked = fx.connect(proxy, "edge", bad)) {
            assertEquals(200, revoked.get("localhost", "/x").status());
            await(() -> load.requests.get() > 20, Duration.ofSeconds(10), "the load is running");

            Instant third = publish(Instant.now().minusSeconds(10), bad);
            await(
                    () -> enforced().crl().getThisUpdate().toInstant().equals(third),
                    Duration.ofSeconds(6),
                    "the CRL revoking the client is fetched");
            long fetched = System.nanoTime();
            revoked.timeout(1_000);
            assertTrue(revoked.awaitClosed(), "the revoked client's keep-alive connection is closed");
            assertTrue(System.nanoTime() - fetched < 1_000_000_000L, "within a second of the fetch");
            assertEquals(1.0, ProxyFixture.closedConnections(metrics, "edge", "revoked"));

            int before = load.requests.get();
            await(() -> load.requests.get() > before + 20, Duration.ofSeconds(10), "the load goes on");
            load.stop();
            assertEquals(List.of(), load.failures, "the other clients lost nothing");
        }
        assertEquals(-1, status(bad), "and a new handshake is refused");
    }

    @Test
    void aFailedFetchKeepsTheLastGoodCrlAndSaysWhy() throws Exception {
        TestPki.Leaf bad = fx.clientCa.client("revoked");
        publish(Instant.now().minusSeconds(60), bad);
        proxy = ProxyServer.builder().metrics(metrics).build();
        fx.closeLater(proxy);
        proxy.start(config(url()));
        assertEquals(-1, status(bad));

        nginx.close();
        await(
                () -> enforced().fetch().orElseThrow().get().lastError().isPresent(),
                Duration.ofSeconds(6),
                "the failed fetch is reported");
        String error = enforced().fetch().orElseThrow().get().lastError().orElseThrow();
        assertTrue(error.startsWith("cannot fetch " + url()), error);
        assertEquals(-1, status(bad), "the last good CRL is still enforced");
        assertEquals(200, status(fx.client));
    }

    @Test
    void aCrlUrlThatCannotBeFetchedAtStartIsAnErrorAtItsLine() throws Exception {
        proxy = ProxyServer.builder().metrics(metrics).build();
        fx.closeLater(proxy);
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(
                ConfigException.class,
                () -> proxy.start(config(URI.create("http://127.0.0.1:" + nginx.port() + "/missing.crl"))));
        String message = e.errors().get(0).toString();
        assertTrue(message.startsWith("proxy.conf:7: listeners.edge.tls.crl: cannot fetch http://"), message);
        assertTrue(message.contains("HTTP 404"), message);
    }

    /** One keep-alive connection and one new connection per request, both as {@code client}, until stopped. */
    private final class Load implements AutoCloseable {
        final AtomicInteger requests = new AtomicInteger();
        final List<String> failures = new CopyOnWriteArrayList<>();
        private volatile boolean running = true;
        private final List<Thread> threads;

        Load(TestPki.Leaf client) {
            threads = List.of(new Thread(() -> keepAlive(client), "load-keep-alive"), new Thread(() -> fresh(client)));
            threads.forEach(Thread::start);
        }

        private void keepAlive(TestPki.Leaf client) {
            try (RawHttpClient c = fx.connect(proxy, "edge", client)) {
                while (running) {
                    count(c.get("localhost", "/ka").status());
                }
            } catch (IOException e) {
                failures.add("keep-alive: " + e);
            }
        }

        private void fresh(TestPki.Leaf client) {
            while (running) {
                try (RawHttpClient c = fx.connect(proxy, "edge", client)) {
                    count(c.get("localhost", "/new").status());
                } catch (IOException e) {
                    failures.add("new connection: " + e);
                }
            }
        }

        private void count(int status) {
            if (status != 200) {
                failures.add("status " + status);
            }
            requests.incrementAndGet();
        }

        void stop() throws InterruptedException {
            running = false;
            for (Thread t : threads) {
                t.join(5_000);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }
}
