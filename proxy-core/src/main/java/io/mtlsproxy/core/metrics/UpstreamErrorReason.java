package io.mtlsproxy.core.metrics;

/** Why a request to an origin failed; the {@code reason} label of mtls_proxy_upstream_errors_total. */
public enum UpstreamErrorReason {
    CONNECT,
    TLS,
    TIMEOUT,
    RESET;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
