package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/**
 * An operator's command that signs a CSR (step-ca, Vault, an in-house CA). It gets {@code MTLS_PROXY_CSR},
 * {@code MTLS_PROXY_CHAIN_OUT}, {@code MTLS_PROXY_OWNER} and {@code MTLS_PROXY_USAGE}; exit 0 means it wrote
 * the chain. Past {@code timeout} it is killed and the attempt fails.
 */
public record ExecIssuerConfig(String name, List<String> command, Duration timeout, Source source)
        implements IssuerConfig {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    public ExecIssuerConfig {
        requireNonNull(name, "name");
        command = List.copyOf(requireNonNull(command, "command"));
        requireNonNull(timeout, "timeout");
        requireNonNull(source, "source");
    }

    @Override
    public String type() {
        return "exec";
    }
}
