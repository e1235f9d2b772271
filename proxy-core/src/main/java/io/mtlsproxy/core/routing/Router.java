package io.mtlsproxy.core.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One listener's routing table. A request is matched like a virtual host: first the host group (exact name,
 * then the longest {@code *.suffix} wildcard, then the routes without a host), then, inside that group only, the
 * longest path prefix. Host groups are hash tables, so the cost of a lookup does not grow with the number of hosts
 * (ten thousand routes cost what ten do); building the table is one pass and a sort of each group's prefixes. As in nginx and Envoy there is no fall-back to a less specific host group when no prefix of
 * the chosen group matches: a route's policy never silently widens to paths its host did not claim.
 */
public final class Router {
    private static final Comparator<Route> LONGEST_PREFIX_FIRST = Comparator.comparingInt(
                    (Route r) -> r.config().match().pathPrefix().length())
            .reversed();

    private final Map<String, List<Route>> exact;
    /** {@code *.example.com} under {@code .example.com}: a host is looked up once per dot it holds */
    private final Map<String, List<Route>> wildcards;

    private final List<Route> anyHost;
    /** the routes as given to {@link #of}, to tell a reload that gives the very same ones */
    private final List<Route> routes;

    private Router(
            Map<String, List<Route>> exact,
            Map<String, List<Route>> wildcards,
            List<Route> anyHost,
            List<Route> routes) {
        this.exact = exact;
        this.wildcards = wildcards;
        this.anyHost = anyHost;
        this.routes = routes;
    }

    /**
     * {@code previous} when it was built from these very route objects in this order (a reload that carried
     * every route of the listener over), else a new table: ten thousand unchanged routes are not sorted again.
     */
    public static Router of(List<Route> routes, Router previous) {
        if (previous != null && previous.routes.size() == routes.size()) {
            boolean same = true;
            for (int i = 0; same && i < routes.size(); i++) {
                same = previous.routes.get(i) == routes.get(i);
            }
            if (same) {
                return previous;
            }
        }
        return of(routes);
    }

    public static Router of(List<Route> routes) {
        Map<String, List<Route>> exact = new LinkedHashMap<>();
        Map<String, List<Route>> wild = new LinkedHashMap<>();
        List<Route> any = new ArrayList<>();
        for (Route r : routes) {
            if (r.config().match().host().isEmpty()) {
                any.add(r);
                continue;
            }
            String host = normalizeHost(r.config().match().host().get());
            if (host.startsWith("*.")) {
                wild.computeIfAbsent(host.substring(1), k -> new ArrayList<>()).add(r);
            } else {
                exact.computeIfAbsent(host, k -> new ArrayList<>()).add(r);
            }
        }
        exact.values().forEach(l -> l.sort(LONGEST_PREFIX_FIRST));
        wild.values().forEach(l -> l.sort(LONGEST_PREFIX_FIRST));
        any.sort(LONGEST_PREFIX_FIRST);
        return new Router(Map.copyOf(exact), Map.copyOf(wild), List.copyOf(any), List.copyOf(routes));
    }

    /** True when the table holds no route. */
    public boolean isEmpty() {
        return exact.isEmpty() && wildcards.isEmpty() && anyHost.isEmpty();
    }

    /**
     * The route for a request, or null. {@code host} is the Host header as received (case and port don't matter);
     * {@code path} the request path without the query.
     */
    public Route route(String host, String path) {
        List<Route> group = hostGroup(normalizeHost(host));
        if (group == null) {
            return null;
        }
        for (Route r : group) {
            if (path.startsWith(r.config().match().pathPrefix())) {
                return r;
            }
        }
        return null;
    }

    private List<Route> hostGroup(String host) {
        List<Route> g = exact.get(host);
        if (g != null) {
            return g;
        }
        // the longest wildcard first: try ".b.example.com", then ".example.com", ... (never the host itself:
        // "*.example.com"
        // takes any name below example.com, as nginx and Envoy do, not example.com); a lookup per label, whatever
        // the number of hosts
        if (!wildcards.isEmpty()) {
            for (int dot = host.indexOf('.', 1); dot > 0; dot = host.indexOf('.', dot + 1)) {
                g = wildcards.get(host.substring(dot));
                if (g != null) {
                    return g;
                }
            }
        }
        return anyHost.isEmpty() ? null : anyHost;
    }

    /** Lower case, without port and trailing root dot: {@code API.Example.com.:8443} → {@code api.example.com}. */
    public static String normalizeHost(String host) {
        String h = host.trim();
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            h = end < 0 ? h : h.substring(0, end + 1);
        } else {
            int colon = h.lastIndexOf(':');
            if (colon >= 0) {
                h = h.substring(0, colon);
            }
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h.toLowerCase(Locale.ROOT);
    }
}
