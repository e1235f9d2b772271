package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

/**
 * A route: which requests of which listener it takes, who may use it, where they go, and what is done to them on
 * the way ({@code rules}: headers, rewrite, rate limit).
 */
public record RouteConfig(
        String name,
        String listener,
        Match match,
        RouteProtocol protocol,
        ClientIdentity clientIdentity,
        ForwardClientCert forwardClientCert,
        UpstreamConfig upstream,
        Source source,
        RequestRules rules) {
    public RouteConfig {
        requireNonNull(name, "name");
        requireNonNull(listener, "listener");
        requireNonNull(match, "match");
        requireNonNull(protocol, "protocol");
        requireNonNull(clientIdentity, "clientIdentity");
        requireNonNull(forwardClientCert, "forwardClientCert");
        requireNonNull(upstream, "upstream");
        requireNonNull(source, "source");
        requireNonNull(rules, "rules");
    }
}
