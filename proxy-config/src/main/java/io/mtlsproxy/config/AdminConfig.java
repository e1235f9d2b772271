package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

/** The admin endpoint: plain HTTP, loopback by default. Port 0 picks a free port (tests). */
public record AdminConfig(String bind, int port) {
    public static final AdminConfig DEFAULT = new AdminConfig("127.0.0.1", 9901);

    public AdminConfig {
        requireNonNull(bind, "bind");
    }
}
