package io.mtlsproxy.bench.load;

import static java.util.Objects.requireNonNull;

/**
 * What one load run measured, warm-up excluded. Latencies in microseconds. {@code windowSeconds} runs from the
 * first measured request's (intended) start to the end of the run or the last measured answer, whichever is
 * later. {@code resumed} counts handshakes that resumed a session (0 is expected: resumption is off).
 * {@code lastError} is the message of the last error seen, empty when there was none. {@code applicationProtocol}
 * is what the first handshake chose by ALPN ({@code h2}), empty when nothing was offered or chosen.
 */
public record LoadResult(
        long requests,
        double windowSeconds,
        long p50Micros,
        long p99Micros,
        long p999Micros,
        long maxMicros,
        long bodyBytes,
        long handshakes,
        long resumed,
        long reconnects,
        ErrorCounts errors,
        String tlsProtocol,
        String tlsCipher,
        String lastError,
        String applicationProtocol) {
    public LoadResult {
        requireNonNull(errors, "errors");
        requireNonNull(tlsProtocol, "tlsProtocol");
        requireNonNull(tlsCipher, "tlsCipher");
        requireNonNull(lastError, "lastError");
        requireNonNull(applicationProtocol, "applicationProtocol");
    }

    /** Without ALPN (h2load's results: it checks the protocol itself). */
    public LoadResult(
            long requests,
            double windowSeconds,
            long p50Micros,
            long p99Micros,
            long p999Micros,
            long maxMicros,
            long bodyBytes,
            long handshakes,
            long resumed,
            long reconnects,
            ErrorCounts errors,
            String tlsProtocol,
            String tlsCipher,
            String lastError) {
        this(
                requests,
                windowSeconds,
                p50Micros,
                p99Micros,
                p999Micros,
                maxMicros,
                bodyBytes,
                handshakes,
                resumed,
                reconnects,
                errors,
                tlsProtocol,
                tlsCipher,
                lastError,
                "");
    }

    public double requestsPerSecond() {
        return windowSeconds > 0 ? requests / windowSeconds : 0;
    }

    /** Body bytes per second, in MB (10^6 bytes). */
    public double megabytesPerSecond() {
        return windowSeconds > 0 ? bodyBytes / windowSeconds / 1e6 : 0;
    }

    public double handshakesPerSecond() {
        return windowSeconds > 0 ? handshakes / windowSeconds : 0;
    }
}
