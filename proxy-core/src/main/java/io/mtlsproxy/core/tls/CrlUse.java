package io.mtlsproxy.core.tls;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.security.cert.X509CRL;

/** A CRL a listener enforces; {@code usage} is always {@code listener-crl}. */
public record CrlUse(String owner, Path path, X509CRL crl) {
    public static final String LISTENER_CRL = "listener-crl";

    public CrlUse {
        requireNonNull(owner, "owner");
        requireNonNull(path, "path");
        requireNonNull(crl, "crl");
    }
}
