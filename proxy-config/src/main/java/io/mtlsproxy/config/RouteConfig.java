package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

/** A route: which requests of which listener it takes, who may use it, and where they go. */
public record RouteConfig(
        String name,
        String listener,
        Match match,
        RouteProtocol protocol,
        ClientIdentity clientIdentity,
        ForwardClientCert forwardClientCert,
        UpstreamConfig upstream,
        Source source) {
    public RouteConfig {
        requireNonNull(name, "name");
        requireNonNull(listener, "listener");
        requireNonNull(match, "match");
        requireNonNull(protocol, "protocol");
        requireNonNull(clientIdentity, "clientIdentity");
        requireNonNull(forwardClientCert, "forwardClientCert");
        requireNonNull(upstream, "upstream");
        requireNonNull(source, "source");
    }
}
