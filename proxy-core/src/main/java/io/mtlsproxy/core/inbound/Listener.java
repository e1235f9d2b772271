package io.mtlsproxy.core.inbound;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.TlsMode;
import io.mtlsproxy.core.routing.Router;
import io.mtlsproxy.core.tls.ServerTls;

/** A listener of one snapshot: its settings, its TLS contexts (absent in mode none) and its routing table. */
public record Listener(ListenerConfig config, Optional<ServerTls> tls, Router router) {
    public Listener {
        requireNonNull(config, "config");
        requireNonNull(tls, "tls");
        requireNonNull(router, "router");
    }

    public String name() {
        return config.name();
    }

    public TlsMode mode() {
        return config.tls().mode();
    }
}
