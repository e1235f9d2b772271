package io.mtlsproxy.bench.report;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.bench.scenario.Metric;
import io.mtlsproxy.bench.scenario.Scenario;

/**
 * One peer on one scenario. A figure that does not apply to the scenario (or was not measured because the peer
 * failed) is null. {@code failure} is empty when the row ran; otherwise it says why it did not (the figures are
 * then null). Latencies in milliseconds, memory in KiB per connection, throughput in MB (10^6 bytes) per second.
 */
public record ResultRow(
        String peer,
        String scenario,
        String scenarioLabel,
        Metric metric,
        String failure,
        long requests,
        Double requestsPerSecond,
        Double megabytesPerSecond,
        Double p50Ms,
        Double p99Ms,
        Double p999Ms,
        long errors,
        String errorDetail,
        Double handshakesPerSecond,
        long resumedHandshakes,
        Double cpuMicrosPerRequest,
        Double memoryPerIdleConnectionKib,
        Integer idleConnections,
        String tls,
        String note) {
    public ResultRow {
        requireNonNull(peer, "peer");
        requireNonNull(scenario, "scenario");
        requireNonNull(scenarioLabel, "scenarioLabel");
        requireNonNull(metric, "metric");
        requireNonNull(failure, "failure");
        requireNonNull(errorDetail, "errorDetail");
        requireNonNull(tls, "tls");
        requireNonNull(note, "note");
    }

    public boolean ok() {
        return failure.isEmpty();
    }

    /** The figure the scenario is judged by, or null. */
    public Double metricValue() {
        return switch (metric) {
            case REQUESTS_PER_SECOND -> requestsPerSecond;
            case HANDSHAKES_PER_SECOND -> handshakesPerSecond;
            case MEGABYTES_PER_SECOND -> megabytesPerSecond;
            case P99_LATENCY -> p99Ms;
            case MEMORY_PER_IDLE_CONNECTION -> memoryPerIdleConnectionKib;
        };
    }

    public static ResultRow failed(String peer, Scenario scenario, String reason) {
        return builder(peer, scenario)
                .failure(reason.isBlank() ? "failed (no reason given)" : reason)
                .build();
    }

    public static Builder builder(String peer, Scenario scenario) {
        return new Builder(peer, scenario);
    }

    public static final class Builder {
        private final String peer;
        private final Scenario scenario;
        private String failure = "";
        private long requests;
        private Double requestsPerSecond;
        private Double megabytesPerSecond;
        private Double p50Ms;
        private Double p99Ms;
        private Double p999Ms;
        private long errors;
        private String errorDetail = "none";
        private Double handshakesPerSecond;
        private long resumedHandshakes;
        private Double cpuMicrosPerRequest;
        private Double memoryPerIdleConnectionKib;
        private Integer idleConnections;
        private String tls = "";
        private String note = "";

        private Builder(String peer, Scenario scenario) {
            this.peer = requireNonNull(peer, "peer");
            this.scenario = requireNonNull(scenario, "scenario");
        }

        public Builder failure(String failure) {
            this.failure = failure;
            return this;
        }

        public Builder requests(long requests, double perSecond) {
            this.requests = requests;
            this.requestsPerSecond = perSecond;
            return this;
        }

        public Builder megabytesPerSecond(double value) {
            this.megabytesPerSecond = value;
            return this;
        }

        public Builder latencyMicros(long p50, long p99, long p999) {
            this.p50Ms = p50 / 1000.0;
            this.p99Ms = p99 / 1000.0;
            this.p999Ms = p999 / 1000.0;
            return this;
        }

        public Builder errors(long total, String detail) {
            this.errors = total;
            this.errorDetail = detail;
            return this;
        }

        public Builder handshakes(double perSecond, long resumed) {
            this.handshakesPerSecond = perSecond;
            this.resumedHandshakes = resumed;
            return this;
        }

        /** The peer's CPU time per request (per handshake on handshake rows) in the measured window; null: not read. */
        public Builder cpuMicrosPerRequest(Double micros) {
            this.cpuMicrosPerRequest = micros;
            return this;
        }

        public Builder idle(int connections, double kibPerConnection) {
            this.idleConnections = connections;
            this.memoryPerIdleConnectionKib = kibPerConnection;
            return this;
        }

        public Builder tls(String tls) {
            this.tls = tls;
            return this;
        }

        public Builder note(String note) {
            this.note = note;
            return this;
        }

        public ResultRow build() {
            return new ResultRow(
                    peer,
                    scenario.id(),
                    scenario.label(),
                    scenario.workload().metric(),
                    failure,
                    requests,
                    requestsPerSecond,
                    megabytesPerSecond,
                    p50Ms,
                    p99Ms,
                    p999Ms,
                    errors,
                    errorDetail,
                    handshakesPerSecond,
                    resumedHandshakes,
                    cpuMicrosPerRequest,
                    memoryPerIdleConnectionKib,
                    idleConnections,
                    tls,
                    note);
        }
    }
}
