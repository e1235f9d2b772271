package io.mtlsproxy.core.routing;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.core.identity.IdentityPolicy;
import io.mtlsproxy.core.upstream.UpstreamCluster;

/** A route of one snapshot: its configuration, its compiled identity policy and its origins. */
public record Route(RouteConfig config, IdentityPolicy policy, UpstreamCluster upstream) {
    public Route {
        requireNonNull(config, "config");
        requireNonNull(policy, "policy");
        requireNonNull(upstream, "upstream");
    }

    public String name() {
        return config.name();
    }
}
