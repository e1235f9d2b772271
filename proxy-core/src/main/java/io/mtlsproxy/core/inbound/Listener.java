package io.mtlsproxy.core.inbound;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.TlsMode;
import io.mtlsproxy.core.routing.Router;
import io.mtlsproxy.core.tls.ServerTls;
import java.util.Optional;

/**
 * A listener of one snapshot: its settings, its TLS contexts (absent in mode none), its HTTP routing table and the
 * table of its {@code protocol = tcp} routes (matched by SNI).
 */
public record Listener(ListenerConfig config, Optional<ServerTls> tls, Router router, Router tcpRouter) {
    public Listener {
        requireNonNull(config, "config");
        requireNonNull(tls, "tls");
        requireNonNull(router, "router");
        requireNonNull(tcpRouter, "tcpRouter");
    }

    /** A listener without tcp routes. */
    public Listener(ListenerConfig config, Optional<ServerTls> tls, Router router) {
        this(config, tls, router, Router.of(java.util.List.of()));
    }

    public String name() {
        return config.name();
    }

    public TlsMode mode() {
        return config.tls().mode();
    }
}
