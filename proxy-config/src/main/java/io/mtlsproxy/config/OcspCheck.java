package io.mtlsproxy.config;

/**
 * {@code tls.ocsp.client-check}: whether a listener asks OCSP about each client certificate. {@code SOFT} admits a
 * client whose status is unknown or cannot be had (and counts it), {@code HARD} refuses it; both refuse
 * {@code revoked}.
 */
public enum OcspCheck {
    OFF,
    SOFT,
    HARD
}
