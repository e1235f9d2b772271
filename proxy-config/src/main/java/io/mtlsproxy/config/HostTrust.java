package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/**
 * One element of a listener's {@code tls.hosts}: the client trust of the hostnames (by SNI, lower case, wildcards
 * allowed) it names, instead of the listener's own. The listener's verify-depth still applies.
 */
public record HostTrust(
        List<String> names,
        ClientAuth clientAuth,
        FileRef clientCa,
        Optional<FileRef> crl,
        Optional<CrlUrl> crlUrl,
        DenyList deny,
        Source source) {
    public HostTrust {
        names = List.copyOf(requireNonNull(names, "names"));
        requireNonNull(clientAuth, "clientAuth");
        requireNonNull(clientCa, "clientCa");
        requireNonNull(crl, "crl");
        requireNonNull(crlUrl, "crlUrl");
        requireNonNull(deny, "deny");
        requireNonNull(source, "source");
    }
}
