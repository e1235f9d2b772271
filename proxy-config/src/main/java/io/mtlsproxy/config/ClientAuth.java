package io.mtlsproxy.config;

/** Whether an mTLS listener requires a client certificate in the handshake, or lets routes decide. */
public enum ClientAuth {
    REQUIRED,
    OPTIONAL
}
