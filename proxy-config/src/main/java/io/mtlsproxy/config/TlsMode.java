package io.mtlsproxy.config;

/** Inbound TLS of a listener. */
public enum TlsMode {
    /** plain HTTP: TLS already terminated by the load balancer */
    NONE,
    /** TLS with a server certificate */
    TLS,
    /** TLS that also verifies the client's certificate */
    MTLS;

    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
