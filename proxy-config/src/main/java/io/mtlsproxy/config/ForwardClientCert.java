package io.mtlsproxy.config;

/** What happens to X-Forwarded-Client-Cert (and X-Forwarded-For), after Envoy's modes. */
public enum ForwardClientCert {
    /** drop the header */
    SANITIZE,
    /** replace it with the proxy's own */
    SANITIZE_SET,
    /** keep the incoming value and append the proxy's element; append to X-Forwarded-For */
    APPEND_FORWARD
}
