package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * An RFC 8555 ACME server. {@code trustCa} verifies the server's own TLS (absent: the JDK trust store);
 * {@code accountKey} is created (0600) on first use; {@code challengeListener} is the listener that answers
 * the validation: a TLS listener for {@code tls-alpn-01}, a plain one for {@code http-01}.
 */
public record AcmeIssuerConfig(
        String name,
        URI directory,
        Optional<FileRef> trustCa,
        Path accountKey,
        List<String> contact,
        AcmeChallenge challenge,
        String challengeListener,
        Source source)
        implements IssuerConfig {
    public AcmeIssuerConfig {
        requireNonNull(name, "name");
        requireNonNull(directory, "directory");
        requireNonNull(trustCa, "trustCa");
        requireNonNull(accountKey, "accountKey");
        contact = List.copyOf(requireNonNull(contact, "contact"));
        requireNonNull(challenge, "challenge");
        requireNonNull(challengeListener, "challengeListener");
        requireNonNull(source, "source");
    }

    @Override
    public String type() {
        return "acme";
    }
}
