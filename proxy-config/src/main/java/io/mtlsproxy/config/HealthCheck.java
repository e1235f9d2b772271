package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Optional;

/**
 * Active health checking of every endpoint of a route, over the route's own upstream TLS: a GET of {@code path}
 * that must answer 2xx, or without a path a TCP connect (and handshake). An endpoint leaves the rotation after
 * {@code unhealthyThreshold} failed checks in a row and comes back after {@code healthyThreshold} passed ones.
 */
public record HealthCheck(
        Optional<String> path, Duration interval, Duration timeout, int healthyThreshold, int unhealthyThreshold) {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    public static final int DEFAULT_HEALTHY_THRESHOLD = 2;
    public static final int DEFAULT_UNHEALTHY_THRESHOLD = 3;

    public HealthCheck {
        requireNonNull(path, "path");
        requireNonNull(interval, "interval");
        requireNonNull(timeout, "timeout");
    }
}
