package io.mtlsproxy.core.reload;

import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.core.routing.Route;
import io.mtlsproxy.core.tls.FileDigest;
import io.mtlsproxy.core.upstream.UpstreamCluster;
import java.util.Optional;

/**
 * Decides whether a reloaded route may keep the running snapshot's {@link Route} object whole. The route-file
 * cache hands a reload the very same {@link RouteConfig} object for a file whose bytes did not change, so "the
 * same object" means "the same text": then nothing of the route is compiled again, and a listener whose routes
 * are all kept keeps its routing table ({@link io.mtlsproxy.core.routing.Router#of(java.util.List,
 * io.mtlsproxy.core.routing.Router)}). Ten thousand unchanged routes then cost a few map look-ups each.
 */
final class RouteCarryOver {
    private RouteCarryOver() {}

    /**
     * The digest of the files {@code next}'s upstream names: known without walking the configuration when the
     * running snapshot built this very object and it named no file; otherwise read and hashed now (a CA or client
     * certificate may have changed under an unchanged route file).
     */
    static Optional<FileDigest> upstreamFiles(Snapshot previous, RouteConfig next) {
        if (previous != null
                && FileDigest.NONE.equals(previous.inputs().upstreamFiles().get(next.name()))
                && sameObject(previous.routes().get(next.name()), next)) {
            return Optional.of(FileDigest.NONE);
        }
        return FileDigest.of(next.upstream());
    }

    /**
     * The running route for {@code next} when it was built from this very configuration object and keeps
     * {@code cluster}. A rate-limited route is built again: a reload starts it with full buckets, as documented.
     */
    static Optional<Route> whole(Snapshot previous, RouteConfig next, UpstreamCluster cluster) {
        Route old = previous == null ? null : previous.routes().get(next.name());
        if (!sameObject(old, next) || old.upstream() != cluster || old.rules().rateLimit() != null) {
            return Optional.empty();
        }
        return Optional.of(old);
    }

    private static boolean sameObject(Route old, RouteConfig next) {
        return old != null && old.config() == next;
    }
}
