package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/**
 * Where a route's requests go: its endpoints (every address of a host name), with its own outbound TLS.
 * {@code dns} bounds how long a host name's records are trusted; {@code policy} says how endpoints are chosen,
 * checked and retried.
 */
public record UpstreamConfig(
        List<Endpoint> endpoints,
        UpstreamProtocol protocol,
        UpstreamTls tls,
        Duration connectTimeout,
        Duration responseTimeout,
        int maxConnectionsPerEndpoint,
        Dns dns,
        UpstreamPolicy policy) {
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT = 256;

    public UpstreamConfig {
        endpoints = List.copyOf(requireNonNull(endpoints, "endpoints"));
        requireNonNull(protocol, "protocol");
        requireNonNull(tls, "tls");
        requireNonNull(connectTimeout, "connectTimeout");
        requireNonNull(responseTimeout, "responseTimeout");
        requireNonNull(dns, "dns");
        requireNonNull(policy, "policy");
    }

    /** Without a dns block or a policy: the default TTL bounds, balancing, health, retries and timeouts. */
    public UpstreamConfig(
            List<Endpoint> endpoints,
            UpstreamProtocol protocol,
            UpstreamTls tls,
            Duration connectTimeout,
            Duration responseTimeout,
            int maxConnectionsPerEndpoint) {
        this(
                endpoints,
                protocol,
                tls,
                connectTimeout,
                responseTimeout,
                maxConnectionsPerEndpoint,
                Dns.DEFAULT,
                UpstreamPolicy.DEFAULT);
    }

    /** A host name is re-resolved when its records' TTL runs out, but never sooner than min nor later than max. */
    public record Dns(Duration minTtl, Duration maxTtl) {
        public static final Dns DEFAULT = new Dns(Duration.ofSeconds(5), Duration.ofMinutes(5));

        public Dns {
            requireNonNull(minTtl, "minTtl");
            requireNonNull(maxTtl, "maxTtl");
        }

        public Duration clamp(Duration ttl) {
            return ttl.compareTo(minTtl) < 0 ? minTtl : ttl.compareTo(maxTtl) > 0 ? maxTtl : ttl;
        }
    }
}
