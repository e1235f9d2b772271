package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/** Per-listener limits; each has the status code of DESIGN.md when exceeded. */
public record Limits(
        int maxConnections,
        long maxHeaderSize,
        long maxBodySize,
        Duration handshakeTimeout,
        Duration requestHeaderTimeout,
        Duration idleTimeout) {
    public static final Limits DEFAULT = new Limits(
            20_000,
            16 * 1024,
            10L * 1024 * 1024,
            Duration.ofSeconds(10),
            Duration.ofSeconds(10),
            Duration.ofSeconds(60));

    public Limits {
        requireNonNull(handshakeTimeout, "handshakeTimeout");
        requireNonNull(requestHeaderTimeout, "requestHeaderTimeout");
        requireNonNull(idleTimeout, "idleTimeout");
    }
}
