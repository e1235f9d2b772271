package io.mtlsproxy.bench.h2load;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Optional;

/**
 * One h2load run against a TLS port: {@code connections} HTTP/2 connections, each keeping {@code streams}
 * requests in flight (closed loop per stream), {@code threads} h2load threads, pinned to {@code cpus} when set
 * ({@code taskset -c} list). {@code serverName} is the SNI and the {@code :authority}.
 */
public record H2LoadSpec(int port, String serverName, String path, int connections, int streams, int threads,
                         Duration warmup, Duration duration, Optional<String> cpus) {
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
    }

    /** h2load refuses more threads than clients. */
    public int effectiveThreads() {
        return Math.min(threads, connections);
    }
}
