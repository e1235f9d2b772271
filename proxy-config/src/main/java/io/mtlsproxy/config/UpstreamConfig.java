package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/** Where a route's requests go: round-robin over endpoints, with its own outbound TLS. */
public record UpstreamConfig(List<Endpoint> endpoints, UpstreamProtocol protocol, UpstreamTls tls,
                             Duration connectTimeout, Duration responseTimeout, int maxConnectionsPerEndpoint) {
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT = 256;

    public UpstreamConfig {
        endpoints = List.copyOf(requireNonNull(endpoints, "endpoints"));
        requireNonNull(protocol, "protocol");
        requireNonNull(tls, "tls");
        requireNonNull(connectTimeout, "connectTimeout");
        requireNonNull(responseTimeout, "responseTimeout");
    }
}
