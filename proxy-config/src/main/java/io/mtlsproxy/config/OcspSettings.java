package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.util.Optional;

/**
 * A listener's {@code tls.ocsp} block. {@code stapling}: staple a fresh OCSP response for each server certificate;
 * {@code clientCheck}: ask OCSP about client certificates (mode mtls only); {@code responder}: an {@code http://}
 * URL used instead of the certificates' own AIA OCSP URL.
 */
public record OcspSettings(boolean stapling, OcspCheck clientCheck, Optional<URI> responder) {
    public static final OcspSettings OFF = new OcspSettings(false, OcspCheck.OFF, Optional.empty());

    public OcspSettings {
        requireNonNull(clientCheck, "clientCheck");
        requireNonNull(responder, "responder");
    }

    /** Whether anything of OCSP is on. */
    public boolean used() {
        return stapling || clientCheck != OcspCheck.OFF;
    }
}
