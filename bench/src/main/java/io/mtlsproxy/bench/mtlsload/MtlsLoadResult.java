package io.mtlsproxy.bench.mtlsload;

/**
 * What mtlsload reported: requests per second and answered requests of the measured window, latency percentiles in
 * milliseconds, errors of every kind, and the watched peer's CPU as a percentage of one core.
 */
public record MtlsLoadResult(
        double requestsPerSecond,
        long requests,
        double p50Ms,
        double p99Ms,
        double p999Ms,
        long errors,
        double peerCpuPercent) {
    /** The peer's CPU microseconds per request, or null when nothing was answered. */
    public Double peerCpuMicrosPerRequest() {
        return requestsPerSecond > 0 ? peerCpuPercent / 100.0 * 1e6 / requestsPerSecond : null;
    }
}
