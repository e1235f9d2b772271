package io.mtlsproxy.bench.h2load;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.bench.load.ClientTls;
import io.mtlsproxy.bench.load.ErrorCounts;
import io.mtlsproxy.bench.load.LoadResult;
import io.mtlsproxy.bench.process.Binaries;
import io.mtlsproxy.bench.process.ManagedProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Runs nghttp2's {@code h2load} (Debian's nghttp2-client) as the HTTP/2 load generator, because the Netty load
 * generator speaks HTTP/1.1 only. h2load offers only {@code h2} by ALPN, so a peer that does not agree to HTTP/2
 * fails the row instead of being measured over HTTP/1.1 by h2load's fallback. It offers the same TLS 1.3 suite,
 * TLS 1.2 cipher and groups as the Netty load generator; it cannot present a client certificate and does not
 * verify the server's, so it runs against TLS listeners only.
 * <p>
 * A timing-based run (h2load 1.52, {@code -D}) has a trap: its clock starts when the first connection is
 * <em>attempted</em>, and when the duration ends h2load stops only the connections that are up by then. A
 * connection whose handshake ends later starts sending and never stops (in timing mode no request count ends it),
 * so h2load never exits; nginx happens to end such a connection after 1000 requests ({@code http2_max_requests}),
 * mtls-proxy and HAProxy answer it for ever. Handshakes that slow are the first HTTP/2 connections to a JVM whose
 * HTTP/2 code is not loaded yet (about 170 ms measured, more on a busy machine), against a 0.2 s quick warm-up. So
 * the HTTP/2 warm-up is a {@linkplain H2LoadSpec#counted counted} run, which ends after its requests whenever its
 * connections came up, and a timing-based run that outlives its window by {@link #EXIT_GRACE} is stopped and
 * reported as such instead of being waited for.
 */
public final class H2Load {
    /** After the warm-up and duration of a timing-based run: process start, connection set-up, h2load's stop. */
    static final Duration EXIT_GRACE = Duration.ofSeconds(5);
    /** A counted run has no window; this only bounds a peer that stops answering. */
    private static final Duration COUNTED_LIMIT = Duration.ofSeconds(60);
    /** What h2load prints when its duration ended (once per thread); it exits right after, unless a client is late. */
    private static final String STOPPED = "Stopped all clients for thread";

    private H2Load() {}

    /** h2load on PATH (or /usr/sbin), or empty. */
    public static Optional<Path> find() {
        return Binaries.find("h2load");
    }

    /** The command line (without the taskset prefix), with per-request lines going to {@code requestLog}. */
    static List<String> command(Path binary, H2LoadSpec spec, Path requestLog) {
        List<String> cmd = new ArrayList<>(List.of(
                binary.toString(),
                "--npn-list=h2",
                "--clients=" + spec.connections(),
                "--max-concurrent-streams=" + spec.streams(),
                "--threads=" + spec.effectiveThreads()));
        if (!spec.timingBased()) {
            cmd.add("--requests=" + spec.requests());
        } else {
            cmd.add("--duration=" + spec.duration().toMillis() + "ms");
            if (!spec.warmup().isZero()) {
                cmd.add("--warm-up-time=" + spec.warmup().toMillis() + "ms");
            }
        }
        cmd.addAll(List.of(
                "--tls13-ciphers=" + ClientTls.TLS13_CIPHER,
                "--ciphers=ECDHE-ECDSA-AES128-GCM-SHA256",
                "--groups=" + String.join(":", ClientTls.GROUPS),
                // Same Host as the HTTP/1.1 rows (h2load would add the port).
                "--header=:authority: " + spec.serverName(),
                "--log-file=" + requestLog,
                // The URI's host is the SNI; the connection goes to loopback.
                "--connect-to=127.0.0.1:" + spec.port(),
                "https://" + spec.serverName() + ":" + spec.port() + spec.path()));
        return cmd;
    }

    /**
     * Runs h2load to its end and reads its summary and request log (both kept in {@code dir}). Fails with h2load's
     * last lines when it exits with an error, outlives the row, prints no summary, or did not speak HTTP/2.
     */
    public static H2LoadResult run(Path binary, H2LoadSpec spec, Path dir) throws IOException, InterruptedException {
        requireNonNull(binary, "binary");
        Files.createDirectories(dir);
        Path output = dir.resolve("h2load.out");
        Path requestLog = dir.resolve("requests.tsv");
        Files.deleteIfExists(requestLog);
        Duration limit =
                spec.timingBased() ? spec.warmup().plus(spec.duration()).plus(EXIT_GRACE) : COUNTED_LIMIT;
        ManagedProcess process =
                ManagedProcess.start("h2load", command(binary, spec, requestLog), spec.cpus(), dir, output);
        OptionalInt exit;
        try {
            exit = process.awaitExit(limit);
        } finally {
            process.close();
        }
        if (exit.isEmpty()) {
            if (spec.timingBased()
                    && Files.readString(output, StandardCharsets.UTF_8).contains(STOPPED)) {
                throw new IllegalStateException("still sending " + EXIT_GRACE.toSeconds() + " s after its duration "
                        + "ended: a connection came up after the window (its handshake took longer than warm-up + "
                        + "duration), and h2load never stops such a connection; " + process.logTail(3));
            }
            throw new IllegalStateException("did not finish within " + limit.toSeconds() + " s; " + process.logTail(3));
        }
        if (exit.getAsInt() != 0) {
            throw new IllegalStateException("exited with code " + exit.getAsInt() + ": " + process.logTail(3));
        }
        H2LoadSummary summary;
        try {
            summary = H2LoadSummary.parse(Files.readString(output, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage() + "; " + process.logTail(3), e);
        }
        if (!summary.applicationProtocol().equals("h2")) {
            throw new IllegalStateException("no HTTP/2 (expected: h2 chosen by ALPN, got: "
                    + (summary.applicationProtocol().isEmpty() ? "none" : summary.applicationProtocol()) + "); "
                    + process.logTail(3));
        }
        RequestLog log = Files.exists(requestLog) ? RequestLog.read(requestLog) : new RequestLog(0, 0, 0, 0, 0, 0);
        return new H2LoadResult(result(spec, summary, log), summary);
    }

    /**
     * In LoadResult's terms: answers of the main duration, their latency percentiles from the request log, errors by
     * kind: answers outside 2xx are {@code status}; errored streams (ended without an answer, or never sent because
     * their connection broke or could not be made) are {@code reset}, except h2load's timeouts. h2load does not
     * check body lengths, so there is no {@code body} kind and no byte count.
     */
    static LoadResult result(H2LoadSpec spec, H2LoadSummary s, RequestLog log) {
        long timeouts = Math.min(s.timeout(), s.errored());
        ErrorCounts errors = new ErrorCounts(s.notOk(), 0, s.errored() - timeouts, timeouts, 0, 0);
        String lastError = errors.total() == 0
                ? ""
                : "h2load: " + s.failed() + " failed (" + s.errored()
                        + " errored, " + s.timeout() + " timeout), status codes " + s.status3xx() + " 3xx, "
                        + s.status4xx()
                        + " 4xx, " + s.status5xx() + " 5xx";
        return new LoadResult(
                s.answers(),
                spec.duration().toNanos() / 1e9,
                log.p50Micros(),
                log.p99Micros(),
                log.p999Micros(),
                log.maxMicros(),
                0,
                0,
                0,
                0,
                errors,
                s.tlsProtocol(),
                s.cipher(),
                lastError);
    }

    /** The row's figures, and h2load's own summary (for its request-time line). */
    public record H2LoadResult(LoadResult load, H2LoadSummary summary) {
        public H2LoadResult {
            requireNonNull(load, "load");
            requireNonNull(summary, "summary");
        }
    }
}
