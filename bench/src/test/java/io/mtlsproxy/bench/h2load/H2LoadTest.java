package io.mtlsproxy.bench.h2load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.bench.load.ErrorCounts;
import io.mtlsproxy.bench.load.LoadResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class H2LoadTest {
    /** What h2load 1.52 printed for a 2 s run after 0.5 s of warm-up against mtls-proxy (progress lines cut). */
    static final String CLEAN_RUN = """
            starting benchmark...
            spawning thread #0: 16 total client(s). Timing-based test with 0.5s of warm-up time and 2s of main duration for measurements.
            Warm-up started for thread #0.
            progress: 100% of clients started
            TLS Protocol: TLSv1.3
            Cipher: TLS_AES_128_GCM_SHA256
            Server Temp Key: X25519 253 bits
            Application protocol: h2
            Warm-up phase is over for thread #0.
            Main benchmark duration is started for thread #0.
            Main benchmark duration is over for thread #0. Stopping all clients.
            Stopped all clients for thread #0

            finished in 2.52s, 771.00 req/s, 28.03KB/s
            requests: 1542 total, 1542 started, 1542 done, 1542 succeeded, 0 failed, 0 errored, 0 timeout
            status codes: 1542 2xx, 0 3xx, 0 4xx, 0 5xx
            traffic: 56.07KB (57414) total, 9.36KB (9582) headers (space savings 93.72%), 19.58KB (20046) data
                                 min         max         mean         sd        +/- sd
            time for request:    66.19ms    683.06ms    240.31ms    138.26ms    83.14%
            time for connect:        0us         0us         0us         0us     0.00%
            time to 1st byte:        0us         0us         0us         0us     0.00%
            req/s           :      44.61       49.59       47.78        2.41    68.75%
            """;

    /** A run where the peer answered some requests with 503 and reset or timed out others. */
    static final String TROUBLED_RUN = """
            TLS Protocol: TLSv1.3
            Cipher: TLS_AES_128_GCM_SHA256
            Application protocol: h2

            finished in 1.00s, 900.00 req/s, 10KB/s
            requests: 1000 total, 1000 started, 990 done, 880 succeeded, 120 failed, 80 errored, 5 timeout
            status codes: 870 2xx, 10 3xx, 0 4xx, 40 5xx
            traffic: 1KB (1000) total, 1KB (1000) headers (space savings 90.00%), 1KB (1000) data
                                 min         max         mean         sd        +/- sd
            time for request:       42us      1.20s      589us      1.43ms    90.58%
            """;

    private static final H2LoadSpec SPEC = new H2LoadSpec(
            8443,
            "proxy.bench.local",
            "/small",
            16,
            10,
            2,
            Duration.ofMillis(500),
            Duration.ofSeconds(2),
            Optional.of("0"));

    @Test
    void readsTheSummaryOfATimingBasedRun() {
        H2LoadSummary s = H2LoadSummary.parse(CLEAN_RUN);
        assertEquals(771.0, s.requestsPerSecond());
        assertEquals(1542, s.done());
        assertEquals(1542, s.answers());
        assertEquals(0, s.notOk());
        assertEquals("TLSv1.3", s.tlsProtocol());
        assertEquals("TLS_AES_128_GCM_SHA256", s.cipher());
        assertEquals("h2", s.applicationProtocol());
        assertEquals(new H2LoadSummary.RequestTime(66_190, 683_060, 240_310, 138_260), s.requestTime());
        assertEquals(
                "min 66.19 ms, mean 240.31 ms, sd 138.26 ms, max 683.06 ms",
                s.requestTime().describe());

        LoadResult r = H2Load.result(SPEC, s, new RequestLog(1542, 0, 207_000, 666_000, 683_000, 683_060));
        assertEquals(1542, r.requests());
        assertEquals(771.0, r.requestsPerSecond(), 1e-9);
        assertEquals(ErrorCounts.NONE, r.errors());
        assertEquals("", r.lastError());
        assertEquals(207_000, r.p50Micros());
        assertEquals(683_000, r.p999Micros());
    }

    @Test
    void failuresBecomeTheLoadGeneratorsErrorKinds() {
        H2LoadSummary s = H2LoadSummary.parse(TROUBLED_RUN);
        assertEquals(new H2LoadSummary.RequestTime(42, 1_200_000, 589, 1430), s.requestTime());
        assertEquals(920, s.answers());
        LoadResult r = H2Load.result(SPEC, s, new RequestLog(920, 80, 500, 2000, 9000, 1_200_000));
        // 3xx and 5xx answers are status errors; errored streams are resets, except the timeouts among them.
        assertEquals(new ErrorCounts(50, 0, 75, 5, 0, 0), r.errors());
        assertEquals(920, r.requests());
        assertTrue(r.lastError().startsWith("h2load: 120 failed (80 errored, 5 timeout)"), r.lastError());
    }

    @Test
    void anOutputWithoutSummarySaysWhatWasExpected() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> H2LoadSummary.parse("starting benchmark...\nNo supported protocol was negotiated.\n"));
        assertEquals("h2load printed no summary (expected: a 'finished in …, N req/s' line)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> H2LoadSummary.micros("12 parsecs"));
        assertEquals(3_060_000, H2LoadSummary.micros("3.06s"));
        assertEquals(20, H2LoadSummary.micros("20us"));
    }

    @Test
    void requestLogGivesPercentilesOfAnsweredStreamsAndCountsTheOthers() {
        Stream<String> lines = Stream.concat(
                Stream.iterate(1, i -> i <= 1000, i -> i + 1).map(i -> "1795634922138726\t200\t" + i),
                Stream.of("1795634922138727\t-1\t5", "1795634922138728\t503\t100000", ""));
        RequestLog log = RequestLog.parse(lines);
        assertEquals(1001, log.answers());
        assertEquals(1, log.failed());
        assertEquals(501, log.p50Micros());
        assertEquals(991, log.p99Micros());
        assertEquals(100_000, log.maxMicros(), 100);
        assertThrows(IllegalArgumentException.class, () -> RequestLog.parse(Stream.of("garbage")));
    }

    @Test
    void offersOnlyH2AndTheLoadGeneratorsTlsChoices() {
        List<String> cmd = H2Load.command(Path.of("/usr/bin/h2load"), SPEC, Path.of("/run/requests.tsv"));
        assertEquals(
                List.of(
                        "/usr/bin/h2load",
                        "--npn-list=h2",
                        "--clients=16",
                        "--max-concurrent-streams=10",
                        "--threads=2",
                        "--duration=2000ms",
                        "--warm-up-time=500ms",
                        "--tls13-ciphers=TLS_AES_128_GCM_SHA256",
                        "--ciphers=ECDHE-ECDSA-AES128-GCM-SHA256",
                        "--groups=X25519:P-256",
                        "--header=:authority: proxy.bench.local",
                        "--log-file=/run/requests.tsv",
                        "--connect-to=127.0.0.1:8443",
                        "https://proxy.bench.local:8443/small"),
                cmd);
        H2LoadSpec oneClient = new H2LoadSpec(
                8443, "proxy.bench.local", "/small", 1, 1, 4, Duration.ZERO, Duration.ofMillis(300), Optional.empty());
        List<String> single = H2Load.command(Path.of("h2load"), oneClient, Path.of("log"));
        assertTrue(single.contains("--threads=1"), "h2load refuses more threads than clients: " + single);
        assertTrue(single.stream().noneMatch(a -> a.startsWith("--warm-up-time")), single.toString());
    }

    @Test
    @Timeout(30)
    void aServerThatDoesNotAgreeToHttp2FailsTheRunInsteadOfFallingBack(@TempDir Path dir) throws Exception {
        Path h2load = H2Load.find().orElseThrow(() -> new AssertionError("h2load (nghttp2-client) is not installed"));
        try (Http1OnlyTlsServer server = Http1OnlyTlsServer.start(dir.resolve("pki"))) {
            H2LoadSpec spec = new H2LoadSpec(
                    server.port(),
                    "proxy.bench.local",
                    "/small",
                    2,
                    2,
                    1,
                    Duration.ZERO,
                    Duration.ofMillis(300),
                    Optional.empty());
            IllegalStateException e =
                    assertThrows(IllegalStateException.class, () -> H2Load.run(h2load, spec, dir.resolve("run")));
            assertTrue(e.getMessage().startsWith("no HTTP/2 (expected: h2 chosen by ALPN, got: none)"), e.getMessage());
        }
    }

    /**
     * The bench's old hang: in a timing-based run, a connection whose handshake ends after the window keeps h2load
     * sending for ever (against a peer that, like mtls-proxy, answers every request). The run is now stopped soon
     * after its window and says why, instead of being waited for.
     */
    @Test
    @Timeout(30)
    void aTimedRunWhoseConnectionsComeUpAfterItsWindowFailsFastAndSaysWhy(@TempDir Path dir) throws Exception {
        Path h2load = H2Load.find().orElseThrow(() -> new AssertionError("h2load (nghttp2-client) is not installed"));
        try (SlowHandshakeH2Server server = SlowHandshakeH2Server.start(dir.resolve("pki"), 800)) {
            H2LoadSpec spec = new H2LoadSpec(
                    server.port(),
                    "proxy.bench.local",
                    "/small",
                    2,
                    2,
                    1,
                    Duration.ZERO,
                    Duration.ofMillis(200),
                    Optional.empty());
            long start = System.nanoTime();
            IllegalStateException e =
                    assertThrows(IllegalStateException.class, () -> H2Load.run(h2load, spec, dir.resolve("run")));
            long seconds = (System.nanoTime() - start) / 1_000_000_000L;
            assertTrue(
                    e.getMessage()
                            .startsWith("still sending " + H2Load.EXIT_GRACE.toSeconds()
                                    + " s after its duration ended: a connection came up after the window"),
                    e.getMessage());
            assertTrue(server.answered.get() > 0, "the late connections did send (and were answered)");
            assertTrue(seconds < H2Load.EXIT_GRACE.toSeconds() + 5, "stopped " + seconds + " s after start");
        }
    }

    /** The HTTP/2 warm-up counts requests: it ends once they are answered, however late its connections came up. */
    @Test
    @Timeout(30)
    void aCountedRunEndsAfterItsRequestsEvenWhenItsConnectionsComeUpLate(@TempDir Path dir) throws Exception {
        Path h2load = H2Load.find().orElseThrow(() -> new AssertionError("h2load (nghttp2-client) is not installed"));
        try (SlowHandshakeH2Server server = SlowHandshakeH2Server.start(dir.resolve("pki"), 800)) {
            H2LoadSpec spec = new H2LoadSpec(
                            server.port(),
                            "proxy.bench.local",
                            "/small",
                            2,
                            2,
                            1,
                            Duration.ZERO,
                            Duration.ofMillis(200),
                            Optional.empty())
                    .counted(300);
            assertTrue(H2Load.command(h2load, spec, dir.resolve("log")).contains("--requests=300"));
            H2Load.H2LoadResult r = H2Load.run(h2load, spec, dir.resolve("run"));
            assertEquals(300, r.summary().succeeded(), r.summary().toString());
            assertEquals(0, r.load().errors().total());
            assertEquals(300, server.answered.get());
        }
    }
}
