package io.mtlsproxy.bench.scenario;

/** The figure a scenario is judged by when mtls-proxy is compared with the best other peer. */
public enum Metric {
    REQUESTS_PER_SECOND("req/s", true),
    HANDSHAKES_PER_SECOND("handshakes/s", true),
    MEGABYTES_PER_SECOND("MB/s", true),
    P99_LATENCY("p99", false),
    MEMORY_PER_IDLE_CONNECTION("mem/conn", false);

    private final String label;
    private final boolean higherIsBetter;

    Metric(String label, boolean higherIsBetter) {
        this.label = label;
        this.higherIsBetter = higherIsBetter;
    }

    public String label() {
        return label;
    }

    public boolean higherIsBetter() {
        return higherIsBetter;
    }
}
