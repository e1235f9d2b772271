package io.mtlsproxy.core.tls;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.security.cert.X509Certificate;

/**
 * A certificate the proxy holds, and what for: the inventory behind /certs and the expiry gauges.
 * {@code usage} is one of {@code listener-server}, {@code listener-client-ca}, {@code upstream-trust},
 * {@code upstream-client}; {@code owner} the listener or route name.
 */
public record CertificateUse(String usage, String owner, Path path, X509Certificate certificate) {
    public static final String LISTENER_SERVER = "listener-server";
    public static final String LISTENER_CLIENT_CA = "listener-client-ca";
    public static final String UPSTREAM_TRUST = "upstream-trust";
    public static final String UPSTREAM_CLIENT = "upstream-client";

    public CertificateUse {
        requireNonNull(usage, "usage");
        requireNonNull(owner, "owner");
        requireNonNull(path, "path");
        requireNonNull(certificate, "certificate");
    }
}
