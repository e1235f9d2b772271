package io.mtlsproxy.core.tls;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.revocation.OcspStaple;
import java.security.cert.X509Certificate;

/** A listener's server certificate and the state of its OCSP staple, for /certs. */
public record StapleStatus(X509Certificate certificate, OcspStaple.State state) {
    public StapleStatus {
        requireNonNull(certificate, "certificate");
        requireNonNull(state, "state");
    }
}
