package io.mtlsproxy.config;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Checks between records: names that must be unique, ports that must not collide, routes that must name a
 * listener and must not shadow each other, and identity demands only an mTLS listener can meet. Errors point at
 * the later of two clashing definitions and name the line of the first.
 */
final class CrossChecks {
    private static final Set<String> WILDCARD_BINDS = Set.of("0.0.0.0", "::", "*");

    private CrossChecks() {}

    static void check(
            AdminConfig admin,
            Source adminPortSource,
            List<ParsedListener> listeners,
            List<ParsedRoute> routes,
            Problems problems) {
        Map<String, ParsedListener> byName = uniqueListeners(listeners, problems);
        ports(admin, adminPortSource, listeners, problems);
        uniqueRouteNames(routes, problems);
        Map<String, ParsedRoute> matches = new HashMap<>();
        for (ParsedRoute r : routes) {
            RouteConfig route = r.config();
            ParsedListener listener = byName.get(route.listener());
            if (listener == null) {
                if (!route.listener().isEmpty()) {
                    problems.add(
                            r.listenerSource(),
                            r.path() + ".listener",
                            Syntax.quote(route.listener())
                                    + " names no listener (expected: one of " + String.join(", ", byName.keySet()) + ")"
                                    + DidYouMean.hint(route.listener(), byName.keySet()));
                }
                continue;
            }
            uniqueMatch(r, matches, problems);
            TlsMode mode = listener.config().tls().mode();
            r.identityDemand()
                    .filter(d -> mode != TlsMode.MTLS)
                    .ifPresent(d -> problems.add(
                            d.source(),
                            d.key(),
                            d.what() + " can never be satisfied: listener "
                                    + Syntax.quote(listener.config().name())
                                    + " has tls.mode = " + mode.configName() + " and asks no client certificate"
                                    + " (expected: a listener with tls.mode = mtls)"));
            if (route.protocol() == RouteProtocol.TCP
                    && mode == TlsMode.NONE
                    && route.match().host().isPresent()) {
                problems.add(
                        r.matchSource(),
                        r.path() + ".match.host",
                        "a tcp route on listener "
                                + Syntax.quote(listener.config().name())
                                + " (tls.mode = none) cannot match a host: there is no"
                                + " SNI (expected: no host, or a listener with TLS)");
            }
        }
    }

    private static Map<String, ParsedListener> uniqueListeners(List<ParsedListener> listeners, Problems problems) {
        Map<String, ParsedListener> byName = new java.util.LinkedHashMap<>();
        for (ParsedListener l : listeners) {
            String name = l.config().name();
            if (name.isEmpty()) {
                continue;
            }
            ParsedListener first = byName.putIfAbsent(name, l);
            if (first != null) {
                problems.add(
                        l.nameSource(),
                        l.path() + ".name",
                        "duplicate listener name " + Syntax.quote(name) + " (first defined at " + first.nameSource()
                                + "; expected: a unique name)");
            }
        }
        return byName;
    }

    /** Port 0 asks the kernel for a free port, so it never collides. */
    private static void ports(
            AdminConfig admin, Source adminPortSource, List<ParsedListener> listeners, Problems problems) {
        for (int i = 0; i < listeners.size(); i++) {
            ListenerConfig l = listeners.get(i).config();
            if (l.port() == 0) {
                continue;
            }
            for (int j = 0; j < i; j++) {
                ListenerConfig earlier = listeners.get(j).config();
                if (earlier.port() == l.port() && overlap(earlier.bind(), l.bind())) {
                    problems.add(
                            listeners.get(i).portSource(),
                            listeners.get(i).path() + ".port",
                            l.port() + " on " + l.bind() + " is already used by listener "
                                    + Syntax.quote(earlier.name())
                                    + " on " + earlier.bind() + " ("
                                    + listeners.get(j).portSource()
                                    + "; expected: another port or a non-overlapping bind address)");
                    break;
                }
            }
            if (admin.port() == l.port() && overlap(admin.bind(), l.bind())) {
                problems.add(
                        adminPortSource,
                        "admin.port",
                        admin.port() + " on " + admin.bind()
                                + " is already used by listener " + Syntax.quote(l.name()) + " ("
                                + listeners.get(i).portSource()
                                + "; expected: another port)");
            }
        }
    }

    static boolean overlap(String a, String b) {
        return a.equalsIgnoreCase(b) || WILDCARD_BINDS.contains(a) || WILDCARD_BINDS.contains(b);
    }

    private static void uniqueRouteNames(List<ParsedRoute> routes, Problems problems) {
        Map<String, ParsedRoute> byName = new HashMap<>();
        for (ParsedRoute r : routes) {
            String name = r.config().name();
            if (name.isEmpty()) {
                continue;
            }
            ParsedRoute first = byName.putIfAbsent(name, r);
            if (first != null) {
                problems.add(
                        r.nameSource(),
                        r.path() + ".name",
                        "duplicate route name " + Syntax.quote(name) + " (first defined at " + first.nameSource()
                                + "; expected: a unique name)");
            }
        }
    }

    /** Two routes with the same listener, host and path-prefix: the second could never be chosen. */
    private static void uniqueMatch(ParsedRoute r, Map<String, ParsedRoute> seen, Problems problems) {
        Match m = r.config().match();
        String key = r.config().listener() + "\u0000"
                + m.host().map(h -> h.toLowerCase(Locale.ROOT)).orElse("*") + "\u0000" + m.pathPrefix();
        ParsedRoute first = seen.putIfAbsent(key, r);
        if (first != null) {
            problems.add(
                    r.matchSource(),
                    r.path() + ".match",
                    "same match as route " + Syntax.quote(first.config().name())
                            + " (" + first.matchSource() + "): listener "
                            + r.config().listener() + ", host "
                            + m.host().orElse("(any)") + ", path-prefix " + m.pathPrefix()
                            + " (expected: a different host or path-prefix)");
        }
    }
}
