package io.mtlsproxy.admin.server;

import io.mtlsproxy.admin.json.Rfc3339;
import io.mtlsproxy.core.upstream.EndpointHealth;
import io.mtlsproxy.core.upstream.UpstreamCluster;
import io.mtlsproxy.core.upstream.UpstreamEndpoint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of {@code GET /upstreams}: every route's endpoints, each with its {@code state} ({@code healthy},
 * {@code unhealthy}: failing its active health checks, {@code ejected}: after failed requests), since when, the
 * last health check, and its open connections and requests in flight.
 */
record UpstreamsReport(String generatedAt, List<Route> routes) {
    static UpstreamsReport of(List<UpstreamCluster> clusters, Instant now) {
        List<Route> routes = new ArrayList<>();
        long nanos = System.nanoTime();
        for (UpstreamCluster c : clusters) {
            List<Endpoint> endpoints = new ArrayList<>();
            for (UpstreamEndpoint e : c.endpoints()) {
                endpoints.add(endpoint(e, nanos));
            }
            routes.add(new Route(
                    c.route(),
                    c.config()
                            .policy()
                            .loadBalancing()
                            .name()
                            .toLowerCase(java.util.Locale.ROOT)
                            .replace('_', '-'),
                    c.config().policy().healthCheck().isPresent(),
                    endpoints));
        }
        return new UpstreamsReport(Rfc3339.millis(now), routes);
    }

    private static Endpoint endpoint(UpstreamEndpoint e, long nanos) {
        EndpointHealth h = e.health();
        boolean available = e.available(nanos); // ends an ejection that is over, so the state below is current
        String state;
        long since;
        long ejected = e.ejectedAtMillis();
        if (!h.healthy()) {
            state = "unhealthy";
            since = h.sinceMillis();
        } else if (!available) {
            state = "ejected";
            since = ejected;
        } else {
            state = "healthy";
            since = Math.max(h.sinceMillis(), ejected < 0 ? -ejected : 0);
        }
        LastCheck last = h.lastResult() == null
                ? null
                : new LastCheck(Rfc3339.millis(Instant.ofEpochMilli(h.lastCheckMillis())), h.lastResult());
        return new Endpoint(
                e.toString(),
                e.addressText(),
                state,
                Rfc3339.millis(Instant.ofEpochMilli(since)),
                last,
                e.openConnections().get(),
                e.inFlight().get());
    }

    record Route(String route, String loadBalancing, boolean healthChecked, List<Endpoint> endpoints) {}

    /** {@code endpoint} is the configured host:port, {@code address} the one connected to. */
    record Endpoint(
            String endpoint,
            String address,
            String state,
            String since,
            LastCheck lastCheck,
            int activeConnections,
            int activeRequests) {}

    record LastCheck(String time, String result) {}
}
