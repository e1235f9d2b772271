package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Optional;

/**
 * How a route uses its endpoints beyond where they are: balancing, active and passive health, retries, and the
 * timeouts besides connect and response ({@code requestTimeout} is the route's {@code timeout}, the whole
 * request; {@code idleTimeout} closes a pooled origin connection left unused). Absent values keep the server's.
 */
public record UpstreamPolicy(
        LoadBalancing loadBalancing,
        Optional<HealthCheck> healthCheck,
        Optional<PassiveEjection> passiveEjection,
        Retries retries,
        Optional<Duration> idleTimeout,
        Optional<Duration> requestTimeout) {
    public static final UpstreamPolicy DEFAULT = new UpstreamPolicy(
            LoadBalancing.ROUND_ROBIN,
            Optional.empty(),
            Optional.empty(),
            Retries.DEFAULT,
            Optional.empty(),
            Optional.empty());

    public UpstreamPolicy {
        requireNonNull(loadBalancing, "loadBalancing");
        requireNonNull(healthCheck, "healthCheck");
        requireNonNull(passiveEjection, "passiveEjection");
        requireNonNull(retries, "retries");
        requireNonNull(idleTimeout, "idleTimeout");
        requireNonNull(requestTimeout, "requestTimeout");
    }
}
