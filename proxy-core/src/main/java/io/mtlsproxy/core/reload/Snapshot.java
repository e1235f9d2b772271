package io.mtlsproxy.core.reload;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.ProxyConfig;
import io.mtlsproxy.core.inbound.Listener;
import io.mtlsproxy.core.routing.Route;
import io.mtlsproxy.core.tls.CertificateUse;
import io.mtlsproxy.core.tls.CrlUse;
import io.mtlsproxy.core.tls.FileDigest;
import io.mtlsproxy.core.trace.RequestIds;
import io.mtlsproxy.core.upstream.UpstreamEndpoint;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything a connection needs, built once from one configuration and never changed: listeners with their TLS
 * contexts and routing tables, routes with their identity policies, outbound TLS contexts and endpoints. A reload
 * builds a new one and swaps one reference; connections and requests already under way keep the one they started
 * with.
 */
public final class Snapshot {
    private final ProxyConfig config;
    private final Map<String, Listener> listeners;
    private final Map<String, Route> routes;
    private final RequestIds requestIds;

    private final Inputs inputs;
    private final BuildCounts counts;

    /**
     * What the next reload compares with to keep what did not change: the inputs of each listener's TLS, and the
     * digest of the files each route's upstream names.
     */
    record Inputs(Map<String, ListenerTlsCarryOver.Inputs> listenerTls, Map<String, FileDigest> upstreamFiles) {
        Inputs { // the builder hands over maps it no longer touches: wrapped, not copied (10,000 entries)
            listenerTls = Collections.unmodifiableMap(listenerTls);
            upstreamFiles = Collections.unmodifiableMap(upstreamFiles);
        }
    }

    Snapshot(
            ProxyConfig config,
            Map<String, Listener> listeners,
            Map<String, Route> routes,
            Inputs inputs,
            BuildCounts counts) {
        this.config = requireNonNull(config, "config");
        this.listeners = Map.copyOf(listeners);
        this.routes = Map.copyOf(routes);
        this.inputs = requireNonNull(inputs, "inputs");
        this.counts = requireNonNull(counts, "counts");
        this.requestIds = new RequestIds(config.requestId());
    }

    /** The request-ID policy of this configuration. */
    public RequestIds requestIds() {
        return requestIds;
    }

    Inputs inputs() {
        return inputs;
    }

    /** What building this snapshot cost: what was built anew and what was kept from the one before. */
    public BuildCounts counts() {
        return counts;
    }

    public ProxyConfig config() {
        return config;
    }

    /** The listener of that name, or null. */
    public Listener listener(String name) {
        return listeners.get(name);
    }

    public Collection<Listener> listeners() {
        return listeners.values();
    }

    /** HTTP routes by name. */
    public Map<String, Route> routes() {
        return routes;
    }

    public List<UpstreamEndpoint> endpoints() {
        List<UpstreamEndpoint> all = new ArrayList<>();
        for (Route r : routes.values()) {
            all.addAll(r.upstream().endpoints());
        }
        return all;
    }

    /** Server certificates and client CAs of every listener, trust anchors and client identities of every route. */
    public List<CertificateUse> certificates() {
        List<CertificateUse> all = new ArrayList<>();
        for (var l : config.listeners()) {
            Listener listener = listeners.get(l.name());
            listener.tls().ifPresent(t -> all.addAll(t.certificates()));
        }
        for (var r : config.routes()) {
            Route route = routes.get(r.name());
            if (route != null) {
                route.upstream().tls().ifPresent(t -> all.addAll(t.certificates()));
            }
        }
        return all;
    }

    public List<CrlUse> crls() {
        List<CrlUse> all = new ArrayList<>();
        for (var l : config.listeners()) {
            listeners.get(l.name()).tls().ifPresent(t -> all.addAll(t.crls()));
        }
        return all;
    }

    /**
     * Marks this snapshot replaced by {@code next}: the pools close the idle upstream connections of every endpoint
     * that {@code next} did not carry over, and close the busy ones when their exchange ends.
     */
    public void retire(Snapshot next) {
        // a cluster belongs to one route name: a route that kept its cluster kept its endpoints
        List<UpstreamEndpoint> candidates = new ArrayList<>();
        for (Route r : routes.values()) {
            Route after = next.routes.get(r.name());
            if (after == null || after.upstream() != r.upstream()) {
                candidates.addAll(r.upstream().endpoints());
            }
        }
        if (candidates.isEmpty()) {
            return;
        }
        Set<UpstreamEndpoint> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        kept.addAll(next.endpoints());
        for (UpstreamEndpoint e : candidates) {
            if (!kept.contains(e)) {
                e.retire();
            }
        }
    }
}
