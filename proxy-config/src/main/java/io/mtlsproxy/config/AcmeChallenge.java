package io.mtlsproxy.config;

/** How an ACME server validates a name: a TLS handshake with ALPN acme-tls/1, or an HTTP GET on port 80. */
public enum AcmeChallenge {
    TLS_ALPN_01,
    HTTP_01;

    public String configName() {
        return Scalars.configName(this);
    }
}
