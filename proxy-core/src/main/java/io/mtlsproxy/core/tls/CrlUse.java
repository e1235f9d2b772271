package io.mtlsproxy.core.tls;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.revocation.FetchedCrl;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A CRL a listener enforces; {@code usage} is always {@code listener-crl}. {@code location} is the file's path or
 * the URL it was fetched from; a fetched one has {@code fetch}, which reads the fetcher's state as it is now.
 */
public record CrlUse(String owner, String location, X509CRL crl, Optional<Supplier<FetchedCrl.Status>> fetch) {
    public static final String LISTENER_CRL = "listener-crl";

    public CrlUse {
        requireNonNull(owner, "owner");
        requireNonNull(location, "location");
        requireNonNull(crl, "crl");
        requireNonNull(fetch, "fetch");
    }

    /** A CRL read from a file. */
    public CrlUse(String owner, Path path, X509CRL crl) {
        this(owner, path.toString(), crl, Optional.empty());
    }
}
