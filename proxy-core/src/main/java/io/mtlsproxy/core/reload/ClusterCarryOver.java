package io.mtlsproxy.core.reload;

import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.config.SameMeaning;
import io.mtlsproxy.core.routing.Route;
import io.mtlsproxy.core.tls.CertificateUse;
import io.mtlsproxy.core.tls.ClientTls;
import io.mtlsproxy.core.tls.FileDigest;
import io.mtlsproxy.core.upstream.UpstreamCluster;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether a reloaded route may keep the running snapshot's upstream cluster. Upstream pools are keyed by
 * endpoint, and an endpoint belongs to one cluster: a kept cluster keeps its idle connections and its endpoints'
 * health, while a new cluster means new connections for new requests (the old ones finish their exchange and are
 * closed). A cluster is kept only when nothing that shaped its connections changed: the same upstream settings
 * (by {@link SameMeaning}: a line that moved in the file is no change)
 * and the same TLS material (trust anchors and client certificate; a certificate fixes its key, so an unchanged
 * certificate list means an unchanged identity). A reload that rotates a route's client certificate or trust
 * anchors therefore never sends a new request over a connection made with the old ones.
 */
final class ClusterCarryOver {
    private ClusterCarryOver() {}

    /**
     * The previous snapshot's cluster for {@code next} when its upstream settings and the contents of every file
     * they name ({@code files}, empty when one cannot be read) are unchanged: then no TLS context needs to be built
     * to find out. Empty otherwise, and {@link #reusable} decides on the built material.
     */
    static Optional<UpstreamCluster> unchanged(Snapshot previous, RouteConfig next, Optional<FileDigest> files) {
        if (previous == null || files.isEmpty()) {
            return Optional.empty();
        }
        Route old = previous.routes().get(next.name());
        if (old == null
                || !files.get().equals(previous.inputs().upstreamFiles().get(next.name()))
                || !SameMeaning.test(old.config().upstream(), next.upstream())) {
            return Optional.empty();
        }
        return Optional.of(old.upstream());
    }

    /** The previous snapshot's cluster for {@code next}, when it may serve on unchanged; empty otherwise. */
    static Optional<UpstreamCluster> reusable(Snapshot previous, RouteConfig next, Optional<ClientTls> nextTls) {
        if (previous == null) {
            return Optional.empty();
        }
        Route old = previous.routes().get(next.name());
        if (old == null || !SameMeaning.test(old.config().upstream(), next.upstream())) {
            return Optional.empty();
        }
        UpstreamCluster cluster = old.upstream();
        if (!material(cluster.tls()).equals(material(nextTls))) {
            return Optional.empty();
        }
        return Optional.of(cluster);
    }

    private static List<X509Certificate> material(Optional<ClientTls> tls) {
        return tls.map(t -> t.certificates().stream()
                        .map(CertificateUse::certificate)
                        .toList())
                .orElse(List.of());
    }
}
