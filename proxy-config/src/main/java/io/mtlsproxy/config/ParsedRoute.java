package io.mtlsproxy.config;

import java.util.Optional;

/**
 * A route as read, with the lines of the keys that cross-checks name in their errors. {@code identityDemand}
 * is the key that asks for a client certificate ({@code client-identity.require} or {@code .allow}), if any.
 */
record ParsedRoute(
        RouteConfig config,
        String path,
        Source nameSource,
        Source listenerSource,
        Source matchSource,
        Optional<Demand> identityDemand) {

    /** A key of the route, with its line, that only an mTLS listener can satisfy. */
    record Demand(String key, Source source, String what) {}
}
