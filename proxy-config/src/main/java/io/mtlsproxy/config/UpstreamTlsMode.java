package io.mtlsproxy.config;

/** Outbound TLS of a route. */
public enum UpstreamTlsMode {
    PLAIN,
    TLS,
    MTLS
}
