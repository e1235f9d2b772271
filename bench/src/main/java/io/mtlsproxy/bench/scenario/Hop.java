package io.mtlsproxy.bench.scenario;

/** How one side of the proxy speaks: plain HTTP, TLS, or mutual TLS. */
public enum Hop {
    PLAIN("plain", "plain"),
    TLS("tls", "TLS"),
    MTLS("mtls", "mTLS");

    private final String id;
    private final String label;

    Hop(String id, String label) {
        this.id = id;
        this.label = label;
    }

    public String id() {
        return id;
    }

    public String label() {
        return label;
    }

    public boolean encrypted() {
        return this != PLAIN;
    }
}
