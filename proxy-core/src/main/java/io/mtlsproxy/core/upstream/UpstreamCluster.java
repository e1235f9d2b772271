package io.mtlsproxy.core.upstream;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.Endpoint;
import io.mtlsproxy.config.UpstreamConfig;
import io.mtlsproxy.core.tls.ClientTls;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A route's origins: endpoints in round-robin order with passive ejection (every address of every configured
 * host, kept current by {@link EndpointResolver}), the route's outbound TLS (absent for plain) and its timeouts
 * and limits.
 */
public final class UpstreamCluster {
    private final String route;
    private final UpstreamConfig config;
    private final Optional<ClientTls> tls;
    private final AtomicInteger next = new AtomicInteger();
    /** Read on every request without a lock; replaced whole (copy on write) when a name's addresses change. */
    private volatile List<UpstreamEndpoint> endpoints;

    private final Map<Endpoint, Long> nextResolveNanos = new ConcurrentHashMap<>();

    public UpstreamCluster(
            String route, UpstreamConfig config, List<UpstreamEndpoint> endpoints, Optional<ClientTls> tls) {
        this.route = requireNonNull(route, "route");
        this.config = requireNonNull(config, "config");
        this.endpoints = List.copyOf(endpoints);
        this.tls = requireNonNull(tls, "tls");
    }

    /**
     * Makes {@code addresses} the addresses of the configured {@code endpoint}: an address still there keeps its
     * endpoint (pooled connections, health record), a new one joins the rotation, and one that disappeared leaves
     * it and is retired: drained, not cut (its requests in flight finish; its idle pooled connections are closed
     * by {@link UpstreamPools#evictRetired}). Returns the retired endpoints. Off the event loops.
     */
    public synchronized List<UpstreamEndpoint> replaceAddresses(
            Endpoint endpoint, List<InetAddress> addresses, EjectionPolicy ejection) {
        if (addresses.isEmpty()) {
            return List.of(); // no answer is no news: the last good addresses stay
        }
        List<UpstreamEndpoint> out = new ArrayList<>();
        List<UpstreamEndpoint> retired = new ArrayList<>();
        boolean placed = false;
        for (UpstreamEndpoint e : endpoints) {
            if (!e.endpoint().equals(endpoint)) {
                out.add(e);
                continue;
            }
            if (e.address() != null && addresses.contains(e.address().getAddress())) {
                out.add(e);
            } else {
                retired.add(e);
            }
            if (!placed) { // the new addresses take the place of the endpoint in configuration order
                placed = true;
                for (InetAddress a : addresses) {
                    boolean known = endpoints.stream()
                            .anyMatch(k -> k.endpoint().equals(endpoint)
                                    && k.address() != null
                                    && k.address().getAddress().equals(a));
                    if (!known) {
                        out.add(new UpstreamEndpoint(route, endpoint, a, ejection));
                    }
                }
            }
        }
        endpoints = List.copyOf(out);
        retired.forEach(UpstreamEndpoint::retire);
        return retired;
    }

    /** When {@code endpoint}'s name is next due for resolution (System.nanoTime); absent: not a name, or never. */
    public Optional<Long> nextResolve(Endpoint endpoint) {
        return Optional.ofNullable(nextResolveNanos.get(endpoint));
    }

    public void resolveAgainAt(Endpoint endpoint, long nanos) {
        nextResolveNanos.put(endpoint, nanos);
    }

    /** The next endpoint in rotation that is not ejected, or null when every endpoint is ejected. */
    public UpstreamEndpoint pick(long nowNanos) {
        List<UpstreamEndpoint> endpoints = this.endpoints;
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
        List<UpstreamEndpoint> endpoints = this.endpoints;
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
