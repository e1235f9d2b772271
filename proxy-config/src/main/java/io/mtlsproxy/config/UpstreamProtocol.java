package io.mtlsproxy.config;

/** The HTTP version spoken to the origin. */
public enum UpstreamProtocol {
    H1,
    /** ALPN h2 over TLS/mTLS, h2c prior knowledge over plain */
    H2
}
