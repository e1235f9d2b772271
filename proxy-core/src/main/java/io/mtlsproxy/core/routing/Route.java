package io.mtlsproxy.core.routing;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.core.identity.IdentityPolicy;
import io.mtlsproxy.core.rules.RouteRules;
import io.mtlsproxy.core.upstream.UpstreamCluster;

/**
 * A route of one snapshot: its configuration, its compiled identity policy, its origins, and its compiled request
 * rules (headers, rewrite, rate-limit buckets).
 */
public record Route(RouteConfig config, IdentityPolicy policy, UpstreamCluster upstream, RouteRules rules) {
    public Route {
        requireNonNull(config, "config");
        requireNonNull(policy, "policy");
        requireNonNull(upstream, "upstream");
        requireNonNull(rules, "rules");
    }

    /** The route with its rules compiled from {@code config}, once per load. */
    public Route(RouteConfig config, IdentityPolicy policy, UpstreamCluster upstream) {
        this(config, policy, upstream, RouteRules.of(config));
    }

    public String name() {
        return config.name();
    }
}
