package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

/** One listening socket: where it binds, how it terminates TLS, and its limits. */
public record ListenerConfig(
        String name, String bind, int port, boolean proxyProtocol, ListenerTls tls, Limits limits, Source source) {
    public ListenerConfig {
        requireNonNull(name, "name");
        requireNonNull(bind, "bind");
        requireNonNull(tls, "tls");
        requireNonNull(limits, "limits");
        requireNonNull(source, "source");
    }
}
