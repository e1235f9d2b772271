package io.mtlsproxy.core;

import io.mtlsproxy.config.AllowList;
import io.mtlsproxy.config.ClientIdentity;
import io.mtlsproxy.config.IdentityMode;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.RequestRules;
import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.config.RouteProtocol;
import io.mtlsproxy.config.UpstreamConfig;
import io.mtlsproxy.config.UpstreamProtocol;
import java.util.List;

/** Variations of TestConfigs' records for the protocol tests: tcp routes, h2 origins, PROXY protocol listeners. */
final class ProtoConfigs {
    private ProtoConfigs() {}

    static ListenerConfig proxyProtocol(ListenerConfig l) {
        return new ListenerConfig(l.name(), l.bind(), l.port(), true, l.tls(), l.limits(), l.source());
    }

    static RouteConfig tcp(RouteConfig r) {
        return new RouteConfig(
                r.name(),
                r.listener(),
                r.match(),
                RouteProtocol.TCP,
                r.clientIdentity(),
                r.forwardClientCert(),
                r.upstream(),
                r.source(),
                RequestRules.NONE);
    }

    static RouteConfig h2(RouteConfig r) {
        UpstreamConfig u = r.upstream();
        return new RouteConfig(
                r.name(),
                r.listener(),
                r.match(),
                r.protocol(),
                r.clientIdentity(),
                r.forwardClientCert(),
                new UpstreamConfig(
                        u.endpoints(),
                        UpstreamProtocol.H2,
                        u.tls(),
                        u.connectTimeout(),
                        u.responseTimeout(),
                        u.maxConnectionsPerEndpoint()),
                r.source(),
                RequestRules.NONE);
    }

    /** Only clients with one of these URI SANs. */
    static ClientIdentity allowUris(String... uris) {
        return new ClientIdentity(
                true, IdentityMode.ENFORCE, new AllowList(List.of(), List.of(), List.of(uris), List.of()));
    }
}
