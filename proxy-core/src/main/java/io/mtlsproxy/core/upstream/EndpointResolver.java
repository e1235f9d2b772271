package io.mtlsproxy.core.upstream;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.Endpoint;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps origin host names current: each name is asked again when its records' TTL runs out (bounded by the
 * route's {@code dns { min-ttl, max-ttl }}), through {@link OriginDns}, never on an event loop. An address that
 * appears joins the rotation; one that disappears is drained (see {@link UpstreamCluster#replaceAddresses}); a
 * failed lookup keeps the last good addresses and is retried after min-ttl.
 */
public final class EndpointResolver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EndpointResolver.class);
    private static final long TICK_MILLIS = 250;

    private final Supplier<Collection<UpstreamCluster>> clusters;
    private final OriginDns dns;
    private final Runnable onRetired;
    private final ScheduledExecutorService executor;
    /** the clusters last read, and those of them with a host name to resolve (timer thread only) */
    private Collection<UpstreamCluster> listed = List.of();

    private List<UpstreamCluster> named = List.of();

    /**
     * @param clusters  the current snapshot's clusters, read at every tick (they follow reloads); the same collection
     *     for as long as the snapshot lasts, so that the ones with names are picked out once
     * @param onRetired called when addresses left a cluster, so that the pools close their idle connections
     */
    public EndpointResolver(Supplier<Collection<UpstreamCluster>> clusters, OriginDns dns, Runnable onRetired) {
        this.clusters = requireNonNull(clusters, "clusters");
        this.dns = requireNonNull(dns, "dns");
        this.onRetired = requireNonNull(onRetired, "onRetired");
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mtls-proxy-dns-timer");
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** True for a host name, false for an IP literal (which is never looked up). */
    public static boolean isName(Endpoint endpoint) {
        return !NetUtil.isValidIpV4Address(endpoint.host()) && !NetUtil.isValidIpV6Address(endpoint.host());
    }

    private void tick() {
        try {
            long now = System.nanoTime();
            Collection<UpstreamCluster> current = clusters.get();
            if (current != listed) {
                listed = current;
                named = current.stream()
                        .filter(c -> c.config().endpoints().stream().anyMatch(EndpointResolver::isName))
                        .toList();
            }
            for (UpstreamCluster cluster : named) {
                for (Endpoint e : cluster.config().endpoints()) {
                    Long due = cluster.nextResolve(e).orElse(null);
                    if (due != null && now - due >= 0) {
                        cluster.resolveAgainAt(e, now + TimeUnit.DAYS.toNanos(1)); // one lookup at a time
                        refresh(cluster, e);
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("re-resolving origins failed", e);
        }
    }

    private void refresh(UpstreamCluster cluster, Endpoint endpoint) {
        dns.resolve(endpoint.host()).addListener(f -> {
            Duration next;
            if (f.isSuccess()) {
                OriginDns.Answer answer = (OriginDns.Answer) f.getNow();
                apply(cluster, endpoint, answer.addresses());
                next = cluster.config().dns().clamp(answer.ttl());
            } else {
                LOG.warn(
                        "route {}: cannot resolve {} (keeping the last addresses): {}",
                        cluster.route(),
                        endpoint.host(),
                        f.cause().toString());
                next = cluster.config().dns().minTtl();
            }
            cluster.resolveAgainAt(endpoint, System.nanoTime() + next.toNanos());
        });
    }

    private void apply(UpstreamCluster cluster, Endpoint endpoint, List<InetAddress> addresses) {
        List<UpstreamEndpoint> retired = cluster.replaceAddresses(endpoint, addresses, cluster.ejection());
        if (!retired.isEmpty()) {
            LOG.info(
                    "route {}: {} no longer resolves to {}: draining",
                    cluster.route(),
                    endpoint.host(),
                    retired.stream()
                            .map(r -> r.address() == null
                                    ? "(unresolved)"
                                    : r.address().getAddress().getHostAddress())
                            .toList());
            onRetired.run();
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
