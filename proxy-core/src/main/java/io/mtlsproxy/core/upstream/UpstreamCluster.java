package io.mtlsproxy.core.upstream;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import io.mtlsproxy.config.UpstreamConfig;
import io.mtlsproxy.core.tls.ClientTls;

/**
 * A route's origins in one snapshot: endpoints in round-robin order with passive ejection, the route's outbound
 * TLS (absent for plain) and its timeouts and limits.
 */
public final class UpstreamCluster {
    private final String route;
    private final UpstreamConfig config;
    private final List<UpstreamEndpoint> endpoints;
    private final Optional<ClientTls> tls;
    private final AtomicInteger next = new AtomicInteger();

    public UpstreamCluster(String route, UpstreamConfig config, List<UpstreamEndpoint> endpoints,
                           Optional<ClientTls> tls) {
        this.route = requireNonNull(route, "route");
        this.config = requireNonNull(config, "config");
        this.endpoints = List.copyOf(endpoints);
        this.tls = requireNonNull(tls, "tls");
    }

    /** The next endpoint in rotation that is not ejected, or null when every endpoint is ejected. */
    public UpstreamEndpoint pick(long nowNanos) {
        int n = endpoints.size();
        int start = Math.floorMod(next.getAndIncrement(), n);
        for (int i = 0; i < n; i++) {
            UpstreamEndpoint e = endpoints.get((start + i) % n);
            if (e.available(nowNanos)) {
                return e;
            }
        }
        return null;
    }

    /** As {@link #pick}, but never {@code avoid} (for a retry); null when no other endpoint is available. */
    public UpstreamEndpoint pickOther(long nowNanos, UpstreamEndpoint avoid) {
        int n = endpoints.size();
        int start = Math.floorMod(next.getAndIncrement(), n);
        for (int i = 0; i < n; i++) {
            UpstreamEndpoint e = endpoints.get((start + i) % n);
            if (e != avoid && e.available(nowNanos)) {
                return e;
            }
        }
        return null;
    }

    public String route() {
        return route;
    }

    public UpstreamConfig config() {
        return config;
    }

    public List<UpstreamEndpoint> endpoints() {
        return endpoints;
    }

    public Optional<ClientTls> tls() {
        return tls;
    }
}
