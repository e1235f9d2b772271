package io.mtlsproxy.bench.h2load;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Optional;

/**
 * One h2load run against a TLS port: {@code connections} HTTP/2 connections, each keeping {@code streams}
 * requests in flight (closed loop per stream), {@code threads} h2load threads, pinned to {@code cpus} when set
 * ({@code taskset -c} list). {@code serverName} is the SNI and the {@code :authority}. The run is timing-based
 * ({@code warmup}, then {@code duration}), or, when {@code requests} is above 0, ends once that many requests were
 * answered ({@link #counted}).
 */
public record H2LoadSpec(
        int port,
        String serverName,
        String path,
        int connections,
        int streams,
        int threads,
        Duration warmup,
        Duration duration,
        Optional<String> cpus,
        long requests) {
    /** A timing-based run. */
    public H2LoadSpec(
            int port,
            String serverName,
            String path,
            int connections,
            int streams,
            int threads,
            Duration warmup,
            Duration duration,
            Optional<String> cpus) {
        this(port, serverName, path, connections, streams, threads, warmup, duration, cpus, 0);
    }

    public H2LoadSpec {
        requireNonNull(serverName, "serverName");
        requireNonNull(path, "path");
        requireNonNull(warmup, "warmup");
        requireNonNull(duration, "duration");
        requireNonNull(cpus, "cpus");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
        }
        if (connections < 1 || streams < 1 || threads < 1) {
            throw new IllegalArgumentException("h2load connections/streams/threads: " + connections + "/" + streams
                    + "/" + threads + " (expected: at least 1 each)");
        }
        if (duration.toMillis() < 1 || warmup.isNegative()) {
            throw new IllegalArgumentException("h2load duration/warm-up: " + duration + "/" + warmup
                    + " (expected: at least 1 ms of duration, no negative warm-up)");
        }
        if (requests != 0 && requests < connections) {
            throw new IllegalArgumentException("h2load requests: " + requests + " (expected: 0 for a timing-based run, "
                    + "or at least one per connection, " + connections + ")");
        }
    }

    /**
     * The same connections and streams, but a run that ends after {@code total} answers instead of a duration. Its
     * end cannot depend on when the connections came up (see {@link H2Load}).
     */
    public H2LoadSpec counted(long total) {
        return new H2LoadSpec(
                port,
                serverName,
                path,
                connections,
                streams,
                threads,
                Duration.ZERO,
                duration,
                cpus,
                Math.max(total, connections));
    }

    public boolean timingBased() {
        return requests == 0;
    }

    /** h2load refuses more threads than clients. */
    public int effectiveThreads() {
        return Math.min(threads, connections);
    }
}
