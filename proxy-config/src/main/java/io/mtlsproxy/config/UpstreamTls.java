package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/**
 * A route's outbound TLS. {@code trustCa} absent means the JDK's default trust store. {@code serverName} is
 * the SNI and the name verified (default: the endpoint's host). {@code clientIdentity} is set in mode
 * {@link UpstreamTlsMode#MTLS} only.
 */
public record UpstreamTls(
        UpstreamTlsMode mode,
        Optional<FileRef> trustCa,
        Optional<String> serverName,
        boolean verifyHostname,
        List<String> expectedUriSans,
        Optional<KeyMaterial> clientIdentity) {
    public static final UpstreamTls PLAIN = new UpstreamTls(
            UpstreamTlsMode.PLAIN, Optional.empty(), Optional.empty(), true, List.of(), Optional.empty());

    public UpstreamTls {
        requireNonNull(mode, "mode");
        requireNonNull(trustCa, "trustCa");
        requireNonNull(serverName, "serverName");
        expectedUriSans = List.copyOf(requireNonNull(expectedUriSans, "expectedUriSans"));
        requireNonNull(clientIdentity, "clientIdentity");
    }
}
