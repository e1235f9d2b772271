package io.mtlsproxy.core.identity;

/**
 * Why a handshake failed, as DESIGN.md names it; mapped from the TLS alert or exception by core.tls.
 * {@code PROXY_PROTOCOL}: a proxy-protocol listener's connection sent no PROXY header, so no handshake started.
 * {@code DENIED}: a valid client certificate the listener's {@code tls.deny} names. {@code OCSP_UNAVAILABLE}: no OCSP
 * status could be had for a client on a listener with {@code ocsp.client-check = hard}.
 */
public enum TlsFailureReason {
    NO_CLIENT_CERT,
    UNKNOWN_CA,
    EXPIRED,
    NOT_YET_VALID,
    REVOKED,
    BAD_CERTIFICATE,
    HOSTNAME_MISMATCH,
    PROTOCOL_VERSION,
    TIMEOUT,
    PROXY_PROTOCOL,
    DENIED,
    OCSP_UNAVAILABLE,
    OTHER;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
