package io.mtlsproxy.core.upstream;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.Endpoint;
import io.mtlsproxy.config.LoadBalancing;
import io.mtlsproxy.config.UpstreamConfig;
import io.mtlsproxy.core.tls.ClientTls;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A route's origins: endpoints (every address of every configured host, kept current by {@link EndpointResolver})
 * chosen by the route's load-balancing among those neither ejected nor failing health checks, the route's
 * outbound TLS (absent for plain), its timeouts, limits and retry budget.
 */
public final class UpstreamCluster {
    private final String route;
    private final UpstreamConfig config;
    private final Optional<ClientTls> tls;
    private final AtomicInteger next = new AtomicInteger();
    private final LoadBalancing balancing;
    private final EjectionPolicy ejection;
    private final RetryBudget retryBudget;
    /** Read on every request without a lock; replaced whole (copy on write) when a name's addresses change. */
    private volatile List<UpstreamEndpoint> endpoints;

    /** Copy on write: only host names have an entry, and most routes name IP addresses. */
    private volatile Map<Endpoint, Long> nextResolveNanos = Map.of();

    public UpstreamCluster(
            String route, UpstreamConfig config, List<UpstreamEndpoint> endpoints, Optional<ClientTls> tls) {
        this(route, config, endpoints, tls, EjectionPolicy.DEFAULT);
    }

    /** {@code ejection}: the policy of endpoints that join later (a host name's new address). */
    public UpstreamCluster(
            String route,
            UpstreamConfig config,
            List<UpstreamEndpoint> endpoints,
            Optional<ClientTls> tls,
            EjectionPolicy ejection) {
        this.route = requireNonNull(route, "route");
        this.config = requireNonNull(config, "config");
        this.balancing = config.policy().loadBalancing();
        this.ejection = requireNonNull(ejection, "ejection");
        this.retryBudget = new RetryBudget(config.policy().retries().budgetPercent());
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

    public synchronized void resolveAgainAt(Endpoint endpoint, long nanos) {
        Map<Endpoint, Long> next = new HashMap<>(nextResolveNanos);
        next.put(endpoint, nanos);
        nextResolveNanos = Map.copyOf(next);
    }

    /** The endpoint the route's load-balancing chooses among the available ones, or null when none is. */
    public UpstreamEndpoint pick(long nowNanos) {
        return pickOther(nowNanos, null);
    }

    /** As {@link #pick}, but never {@code avoid} (for a retry); null when no other endpoint is available. */
    public UpstreamEndpoint pickOther(long nowNanos, UpstreamEndpoint avoid) {
        List<UpstreamEndpoint> endpoints = this.endpoints;
        return switch (balancing) {
            // a retry (avoid set) takes the next in turn without moving the turn: retries do not skew the rotation
            case ROUND_ROBIN ->
                firstAvailable(endpoints, avoid == null ? next.getAndIncrement() : next.get(), nowNanos, avoid, null);
            case RANDOM -> firstAvailable(endpoints, randomStart(endpoints), nowNanos, avoid, null);
            case LEAST_REQUEST -> {
                // power of two choices: the less busy of two distinct endpoints drawn at random, which avoids a
                // slow endpoint without the herd that "always the least busy" sends to whichever just finished
                UpstreamEndpoint a = firstAvailable(endpoints, randomStart(endpoints), nowNanos, avoid, null);
                UpstreamEndpoint b =
                        a == null ? null : firstAvailable(endpoints, randomStart(endpoints), nowNanos, avoid, a);
                yield b != null && b.inFlight().get() < a.inFlight().get() ? b : a;
            }
        };
    }

    private static int randomStart(List<UpstreamEndpoint> endpoints) {
        return ThreadLocalRandom.current().nextInt(Math.max(1, endpoints.size()));
    }

    /** The first available endpoint from {@code start} on, wrapping around, neither avoided one; or null. */
    private static UpstreamEndpoint firstAvailable(
            List<UpstreamEndpoint> endpoints,
            int start,
            long nowNanos,
            UpstreamEndpoint avoid,
            UpstreamEndpoint avoidToo) {
        int n = endpoints.size();
        int from = Math.floorMod(start, Math.max(1, n));
        for (int i = 0; i < n; i++) {
            UpstreamEndpoint e = endpoints.get((from + i) % n);
            if (e != avoid && e != avoidToo && e.available(nowNanos)) {
                return e;
            }
        }
        return null;
    }

    public RetryBudget retryBudget() {
        return retryBudget;
    }

    /** The passive ejection policy of this route's endpoints. */
    public EjectionPolicy ejection() {
        return ejection;
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
