package io.mtlsproxy.core.reload;

import io.mtlsproxy.config.ConfigError;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.ProxyConfig;
import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.config.SameMeaning;
import io.mtlsproxy.core.routing.Route;
import io.mtlsproxy.core.tls.CertificateUse;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What a reload changes, in the names of ReloadResult ({@code listeners.public.tls}, {@code routes.orders}). */
public final class SnapshotDiff {
    private SnapshotDiff() {}

    /**
     * Problems that a reload cannot apply: sockets are bound once, so adding, removing or re-binding a listener
     * needs a restart.
     */
    public static List<ConfigError> unappliable(ProxyConfig running, ProxyConfig next) {
        List<ConfigError> errors = new ArrayList<>();
        for (ListenerConfig n : next.listeners()) {
            var old = running.listener(n.name());
            if (old.isEmpty()) {
                errors.add(new ConfigError(
                        n.source(),
                        "listeners." + n.name(),
                        "a new listener needs a restart (reload keeps the bound sockets)"));
            } else if (!old.get().bind().equals(n.bind())
                    || old.get().port() != n.port()
                    || old.get().proxyProtocol() != n.proxyProtocol()) {
                errors.add(new ConfigError(
                        n.source(),
                        "listeners." + n.name(),
                        "bind, port or proxy-protocol changed: needs a restart (reload keeps the bound sockets)"));
            }
        }
        for (ListenerConfig o : running.listeners()) {
            if (next.listener(o.name()).isEmpty()) {
                errors.add(new ConfigError(
                        new io.mtlsproxy.config.Source(next.file().toString(), 0),
                        "listeners." + o.name(),
                        "removing a listener needs a restart"));
            }
        }
        return errors;
    }

    public static List<String> changes(Snapshot old, Snapshot next) {
        List<String> changed = new ArrayList<>();
        for (ListenerConfig n : next.config().listeners()) {
            ListenerConfig o = old.config().listener(n.name()).orElse(null);
            if (!SameMeaning.test(o, n)) {
                changed.add("listeners." + n.name());
            } else if (!certificates(old.listener(n.name())
                                    .tls()
                                    .map(t -> t.certificates())
                                    .orElse(List.of()))
                            .equals(certificates(next.listener(n.name())
                                    .tls()
                                    .map(t -> t.certificates())
                                    .orElse(List.of())))
                    || !crlsEqual(old, next, n.name())) {
                changed.add("listeners." + n.name() + ".tls");
            }
        }
        // by name: ten thousand routes are compared in one pass, not each against every other
        Map<String, Route> before = old.routes();
        Map<String, Route> after = next.routes();
        for (RouteConfig n : next.config().routes()) {
            RouteConfig o = before.containsKey(n.name()) ? before.get(n.name()).config() : null;
            if (o == null) {
                changed.add("routes." + n.name() + " (added)");
            } else if (!SameMeaning.test(o, n)) {
                changed.add("routes." + n.name());
            } else if (!sameCluster(old, next, n.name())
                    && !upstreamCertificates(old, n.name()).equals(upstreamCertificates(next, n.name()))) {
                changed.add("routes." + n.name() + ".upstream.tls");
            }
        }
        for (RouteConfig o : old.config().routes()) {
            if (!after.containsKey(o.name())) {
                changed.add("routes." + o.name() + " (removed)");
            }
        }
        return changed;
    }

    /** A cluster carried over keeps its TLS material: its certificates need no comparison. */
    private static boolean sameCluster(Snapshot old, Snapshot next, String route) {
        Route a = old.routes().get(route);
        Route b = next.routes().get(route);
        return a != null && b != null && a.upstream() == b.upstream();
    }

    /** The certificates of a route's upstream TLS, empty without it (or when the snapshot has no such route). */
    private static List<X509Certificate> upstreamCertificates(Snapshot snapshot, String route) {
        Route r = snapshot.routes().get(route);
        return r == null
                ? List.of()
                : certificates(r.upstream().tls().map(t -> t.certificates()).orElse(List.of()));
    }

    private static List<X509Certificate> certificates(List<CertificateUse> uses) {
        return uses.stream().map(CertificateUse::certificate).toList();
    }

    private static boolean crlsEqual(Snapshot old, Snapshot next, String listener) {
        var a = old.listener(listener).tls().map(t -> t.crls()).orElse(List.of());
        var b = next.listener(listener).tls().map(t -> t.crls()).orElse(List.of());
        return a.stream()
                .map(c -> c.crl())
                .toList()
                .equals(b.stream().map(c -> c.crl()).toList());
    }
}
