package io.mtlsproxy.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What loads and runs but will not do what the file seems to say: a listener no route names (every request is a
 * 404), and a route that declares HTTP/2 to its origin (gRPC) on a TLS listener where a tcp route turns HTTP/2 off,
 * so its clients can only speak HTTP/1.1. Each is a {@link ConfigError} whose message starts with
 * {@code warning:}, printed as {@code FILE:LINE: key: warning: message}; none stops the proxy.
 */
public final class ConfigWarnings {
    private ConfigWarnings() {}

    public static List<ConfigError> of(ProxyConfig config) {
        List<ConfigError> out = new ArrayList<>();
        for (ListenerConfig l : config.listeners()) {
            List<RouteConfig> routes = config.routes().stream()
                    .filter(r -> r.listener().equals(l.name()))
                    .toList();
            if (routes.isEmpty()) {
                out.add(new ConfigError(
                        l.source(),
                        "listeners." + l.name(),
                        "warning: no route names this listener: every request to it gets 404"));
                continue;
            }
            Optional<RouteConfig> tcp = routes.stream()
                    .filter(r -> r.protocol() == RouteProtocol.TCP)
                    .findFirst();
            if (tcp.isEmpty() || l.tls().mode() == TlsMode.NONE) {
                continue;
            }
            for (RouteConfig r : routes) {
                if (r.protocol() == RouteProtocol.HTTP && r.upstream().protocol() == UpstreamProtocol.H2) {
                    out.add(new ConfigError(
                            r.source(),
                            "routes." + r.name() + ".upstream.protocol",
                            "warning: h2, but clients of listener " + l.name() + " can only speak HTTP/1.1: its tcp"
                                    + " route " + tcp.get().name() + " ("
                                    + tcp.get().source() + ") turns HTTP/2 off"
                                    + " there, and gRPC needs HTTP/2 end to end (put tcp routes on a listener of"
                                    + " their own)"));
                }
            }
        }
        out.sort(null);
        return out;
    }
}
