package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.Limits;
import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.core.identity.TlsFailureReason;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.metrics.TlsFailure;
import io.mtlsproxy.core.testing.LeakGuard;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.RecordingOrigin;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestPki;
import io.mtlsproxy.core.testing.TestTls;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Clients that hold on to the proxy: slowloris heads (408, closed), silent or half-sent TLS handshakes (closed after
 * handshake-timeout, logged as {@code timeout}; one handshake-timeout from accept covers the ClientHello and the
 * handshake, with or without SNI handler), idle keep-alive connections (closed after idle-timeout), too many
 * connections (closed before any TLS work) and endless heads (431 after max-header-size). The proxy runs on a
 * single event loop, so a limit that blocked it would starve the well-behaved client every test keeps serving.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowAndGreedyClientsTest {
    private static final Duration HEADER_TIMEOUT = Duration.ofMillis(700);
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofMillis(700);
    private static final Duration IDLE_TIMEOUT = Duration.ofMillis(900);
    /** of the "late-*" listeners, whose clients send their hello after {@link #LATE_HELLO} */
    private static final Duration LONG_HANDSHAKE_TIMEOUT = Duration.ofMillis(1200);

    private static final Duration LATE_HELLO = Duration.ofMillis(900);

    @TempDir
    static Path dir;

    static RecordingOrigin origin;
    static ProxyServer proxy;
    static ProxyMetrics metrics = ProxyMetrics.inMemory();
    static SSLContext client;
    static ExecutorService pool = Executors.newCachedThreadPool();

    @BeforeAll
    static void start() throws Exception {
        LeakGuard.install();
        TestPki pki = new TestPki(dir);
        TestPki.Ca ca = pki.ca("limits");
        TestPki.Leaf server = ca.server("proxy");
        client = TestTls.client(ca.certFile(), null);
        origin = RecordingOrigin.start();
        Limits limits = new Limits(1000, 4096, 64 * 1024, HANDSHAKE_TIMEOUT, HEADER_TIMEOUT, IDLE_TIMEOUT);
        Limits few = new Limits(3, 4096, 64 * 1024, HANDSHAKE_TIMEOUT, HEADER_TIMEOUT, IDLE_TIMEOUT);
        // request-header-timeout and idle-timeout count from accept too: longer here, so that only one is tested
        Duration longer = LONG_HANDSHAKE_TIMEOUT.multipliedBy(4);
        Limits slowHello = new Limits(1000, 4096, 64 * 1024, LONG_HANDSHAKE_TIMEOUT, longer, longer);
        proxy = ProxyServer.builder().metrics(metrics).workerThreads(1).build();
        proxy.start(TestConfigs.config(
                dir.resolve("proxy.conf"),
                List.of(
                        TestConfigs.listener("plain", ListenerTls.plain(), limits),
                        TestConfigs.listener("tls", TestConfigs.tls(server), limits),
                        TestConfigs.listener("few", TestConfigs.tls(server), few),
                        // one certificate: the SslHandler is there from accept; two: a SniHandler reads the hello
                        TestConfigs.listener("late-sole", TestConfigs.tls(server), slowHello),
                        TestConfigs.listener(
                                "late-sni", TestConfigs.tls(server, ca.server("other", "other.test")), slowHello)),
                List.of(
                        TestConfigs.route("plain", "plain")
                                .endpoint(origin.port())
                                .build(),
                        TestConfigs.route("tls", "tls").endpoint(origin.port()).build(),
                        TestConfigs.route("few", "few").endpoint(origin.port()).build(),
                        TestConfigs.route("late-sole", "late-sole")
                                .endpoint(origin.port())
                                .build(),
                        TestConfigs.route("late-sni", "late-sni")
                                .endpoint(origin.port())
                                .build())));
    }

    @AfterAll
    static void stop() {
        pool.shutdownNow();
        if (proxy != null) {
            proxy.close();
        }
        if (origin != null) {
            origin.close();
        }
        LeakGuard.assertNoLeaks();
    }

    @Test
    void slowlorisClientsGet408AndAreClosedWhileOthersAreServed() throws Exception {
        List<Future<String>> lorises = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            lorises.add(pool.submit(() -> slowloris(proxy.port("plain"))));
        }
        // while they trickle, a well-behaved client is served, again and again, on the same single event loop
        long until = System.nanoTime() + HEADER_TIMEOUT.toNanos();
        int served = 0;
        try (RawHttpClient c = RawHttpClient.connect(proxy.port("plain"))) {
            while (System.nanoTime() < until) {
                assertEquals(200, c.get("a.test", "/served").status());
                served++;
            }
        }
        assertTrue(served > 0);
        for (Future<String> loris : lorises) {
            String answer = loris.get(10, TimeUnit.SECONDS);
            assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
            assertTrue(answer.contains("request headers not received within request-header-timeout"), answer);
        }
        assertTrue(
                origin.requests().stream().noneMatch(r -> r.uri().startsWith("/loris")),
                "no trickled head reaches the origin");
    }

    /**
     * Sends a head one byte every 50 ms for most of request-header-timeout, then stalls; returns what the proxy
     * answered. The answer must come request-header-timeout after the first byte: trickling does not buy time.
     */
    private static String slowloris(int port) throws IOException, InterruptedException {
        byte[] head = "GET /loris HTTP/1.1\r\nHost: a.test\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                .getBytes(StandardCharsets.ISO_8859_1);
        try (Socket s = connect(port)) {
            OutputStream out = s.getOutputStream();
            long start = System.nanoTime();
            long stopAt = start + HEADER_TIMEOUT.toNanos() * 2 / 3;
            for (int i = 0; i < head.length && System.nanoTime() < stopAt; i++) {
                out.write(head[i]);
                out.flush();
                Thread.sleep(50);
            }
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            long took = System.nanoTime() - start;
            // a timer restarted by every byte would answer at 2/3 + 1 timeouts, not at about 1
            assertTrue(took < HEADER_TIMEOUT.toNanos() * 3 / 2, "answered after " + took / 1_000_000 + " ms");
            return answer;
        }
    }

    @Test
    void silentTlsClientIsClosedAfterTheHandshakeTimeoutAndLoggedAsTimeout() throws Exception {
        int before = timeouts();
        try (Socket s = connect(proxy.port("tls"))) {
            long start = System.nanoTime();
            assertEquals(-1, s.getInputStream().read());
            long took = System.nanoTime() - start;
            assertTrue(
                    took >= HANDSHAKE_TIMEOUT.toNanos() / 2 && took < HANDSHAKE_TIMEOUT.toNanos() * 4,
                    "closed after " + took / 1_000_000 + " ms");
        }
        awaitTimeouts(before + 1);
    }

    @Test
    void halfSentClientHelloIsClosedAfterTheHandshakeTimeout() throws Exception {
        int before = timeouts();
        try (Socket s = connect(proxy.port("tls"))) {
            // a handshake record header announcing 512 bytes, then only the first few of them
            s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03});
            s.getOutputStream().flush();
            long start = System.nanoTime();
            assertEquals(-1, s.getInputStream().read());
            assertTrue(System.nanoTime() - start < HANDSHAKE_TIMEOUT.toNanos() * 4);
        }
        awaitTimeouts(before + 1);
        try (RawHttpClient c = RawHttpClient.connectTls(proxy.port("tls"), client, "localhost")) {
            assertEquals(200, c.get("localhost", "/after").status(), "others still get through");
        }
    }

    /**
     * handshake-timeout counts from accept and covers the ClientHello and the handshake together (as nginx's
     * ssl_handshake_timeout): a client that sends its hello late gets only what is left, whether an SNI handler read
     * the hello first or not. Two timeouts in a row would close this one at LATE_HELLO + LONG_HANDSHAKE_TIMEOUT.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"late-sole", "late-sni"})
    void aLateClientHelloGetsWhatIsLeftOfTheHandshakeTimeout(String listener) throws Exception {
        byte[] hello = TestTls.clientHelloRecord("localhost");
        try (Socket s = connect(proxy.port(listener))) {
            long start = System.nanoTime();
            Thread.sleep(LATE_HELLO.toMillis());
            s.getOutputStream().write(hello);
            s.getOutputStream().flush();
            int answer = s.getInputStream().read();
            assertEquals(
                    22,
                    answer,
                    () -> "the proxy answered the hello: " + metrics.failures().snapshot());
            s.getInputStream().readAllBytes(); // then the client says nothing more, until the proxy closes
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            long oneTimeout = LONG_HANDSHAKE_TIMEOUT.toMillis();
            assertTrue(
                    took >= oneTimeout - 100 && took < oneTimeout + LATE_HELLO.toMillis() / 2,
                    "closed " + took + " ms after accept, expected about " + oneTimeout + ": "
                            + metrics.failures().snapshot());
        }
        assertEquals("localhost", awaitTimeoutOf(listener).sni(), "listed with the SNI of its hello");
    }

    /**
     * A ClientHello that is not whole in the first record of the first read (here fragmented over two records, as
     * a hello split over two reads is too) is asked of the TLS engine once it is in, without an SNI handler: a
     * handshake that fails later is still listed with its SNI.
     */
    @Test
    void aClientHelloOverTwoRecordsIsListedWithItsSni() throws Exception {
        byte[] record = TestTls.clientHelloRecord("localhost");
        int split = 5 + 20; // the record header and the first 20 bytes of the hello in the first record
        byte[] twoRecords = new byte[record.length + 5];
        System.arraycopy(record, 0, twoRecords, 0, split);
        twoRecords[3] = 0;
        twoRecords[4] = (byte) (split - 5);
        System.arraycopy(record, 0, twoRecords, split, 3); // the second record's header: type and version, ...
        int rest = record.length - split;
        twoRecords[split + 3] = (byte) (rest >> 8); // ... and its own length
        twoRecords[split + 4] = (byte) rest;
        System.arraycopy(record, split, twoRecords, split + 5, rest);
        try (Socket s = connect(proxy.port("tls"))) {
            s.getOutputStream().write(twoRecords);
            s.getOutputStream().flush();
            assertEquals(22, s.getInputStream().read(), "the proxy answered the hello with its handshake");
            s.getInputStream().readAllBytes(); // the client stalls: closed after handshake-timeout
        }
        assertEquals("localhost", awaitTimeoutOf("tls").sni());
    }

    @Test
    void idleKeepAliveConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        try (RawHttpClient c = RawHttpClient.connectTls(proxy.port("tls"), client, "localhost")) {
            assertEquals(200, c.get("localhost", "/idle").status());
            long start = System.nanoTime();
            assertTrue(c.awaitClosed(), "closed while idle");
            long took = System.nanoTime() - start;
            assertTrue(took >= IDLE_TIMEOUT.toNanos() / 2, "closed too early: " + took / 1_000_000 + " ms");
        }
    }

    @Test
    void connectionsPastMaxConnectionsAreClosedBeforeAnyTlsWork() throws Exception {
        List<RawHttpClient> held = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                RawHttpClient c = RawHttpClient.connectTls(proxy.port("few"), client, "localhost");
                assertEquals(200, c.get("localhost", "/held").status());
                held.add(c);
            }
            int failuresBefore = metrics.failures().snapshot().size();
            try (Socket extra = connect(proxy.port("few"))) {
                assertEquals(-1, extra.getInputStream().read(), "closed at once");
            }
            assertEquals(failuresBefore, metrics.failures().snapshot().size(), "no handshake was even started");
        } finally {
            held.forEach(RawHttpClient::close);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (metrics.activeConnections("few").get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        try (RawHttpClient c = RawHttpClient.connectTls(proxy.port("few"), client, "localhost")) {
            assertEquals(200, c.get("localhost", "/again").status(), "slots come back");
        }
    }

    @Test
    void endlessHeadIsCutOffAt431AndTheConnectionClosesSoonAfter() throws Exception {
        try (Socket s = connect(proxy.port("plain"))) {
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: a.test\r\nX-Endless: ".getBytes(StandardCharsets.ISO_8859_1));
            byte[] chunk = new byte[8192];
            java.util.Arrays.fill(chunk, (byte) 'a');
            CompletableFuture<Void> writer = CompletableFuture.runAsync(
                    () -> {
                        try {
                            while (true) {
                                out.write(chunk); // the proxy discards it after max-header-size, for a short while
                            }
                        } catch (IOException closed) {
                            // the proxy closed: what we wanted
                        }
                    },
                    pool);
            String answer;
            try {
                answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            } catch (SocketException reset) {
                answer = "reset";
            }
            assertTrue(answer.startsWith("HTTP/1.1 431 ") || answer.equals("reset"), answer);
            writer.get(15, TimeUnit.SECONDS); // the proxy does not read an endless head forever
        }
        assertFalse(origin.requests().stream().anyMatch(r -> r.header("X-Endless") != null));
    }

    private static int timeouts() {
        return (int) metrics.failures().snapshot().stream()
                .filter(f -> f.reason() == TlsFailureReason.TIMEOUT && f.side() == ProxyMetrics.Side.INBOUND)
                .count();
    }

    private static void awaitTimeouts(int atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (timeouts() < atLeast && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        List<TlsFailure> all = metrics.failures().snapshot();
        assertTrue(timeouts() >= atLeast, "a timeout on /tls/failures: " + all);
    }

    /** The timeout /tls/failures lists last on {@code listener} (waiting up to 5 s for one). */
    private static TlsFailure awaitTimeoutOf(String listener) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            List<TlsFailure> all = metrics.failures().snapshot();
            for (int i = all.size() - 1; i >= 0; i--) {
                TlsFailure f = all.get(i);
                if (f.name().equals(listener) && f.reason() == TlsFailureReason.TIMEOUT) {
                    return f;
                }
            }
            Thread.sleep(5);
        }
        throw new AssertionError(
                "no timeout listed on " + listener + ": " + metrics.failures().snapshot());
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(10_000);
        return s;
    }
}
