package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;

/** A CA directory made by {@code pki init-ca} ({@code ca.crt}, {@code ca.key}) that signs renewals itself. */
public record LocalCaIssuerConfig(String name, Path caDir, Duration validity, Source source) implements IssuerConfig {
    public static final Duration DEFAULT_VALIDITY = Duration.ofDays(30);

    public LocalCaIssuerConfig {
        requireNonNull(name, "name");
        requireNonNull(caDir, "caDir");
        requireNonNull(validity, "validity");
        requireNonNull(source, "source");
    }

    @Override
    public String type() {
        return "local-ca";
    }
}
