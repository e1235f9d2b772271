package io.mtlsproxy.core.upstream;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.mtlsproxy.config.HealthCheck;
import io.mtlsproxy.core.metrics.MetricNames;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the active health checks of every route that has a {@code health-check}, off the request path: a timer
 * thread of its own finds the checks that are due, and each check is a non-blocking connect (and request) on one
 * of the event loops, through the route's own {@link UpstreamConnector} TLS. It also keeps the
 * {@code mtls_proxy_upstream_healthy} gauge of every endpoint of the current snapshot. The clusters are read at
 * every tick, so checks follow reloads; an endpoint carried over by a reload keeps its health.
 */
public final class HealthChecks implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HealthChecks.class);
    private static final long TICK_MILLIS = 50;
    private static final long GAUGE_SYNC_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Supplier<Collection<UpstreamCluster>> clusters;
    private final UpstreamConnector connector;
    private final EventLoopGroup loops;
    private final MeterRegistry registry;
    private final ScheduledExecutorService timer;
    private final Map<UpstreamEndpoint, Meter> gauges = new IdentityHashMap<>(); // timer thread only
    private long nextGaugeSync;
    /** the clusters last read, and those of them with a health check: the timer walks only those 20 times a second */
    private Collection<UpstreamCluster> listed = List.of();

    private List<UpstreamCluster> checked = List.of();

    /**
     * @param clusters the current snapshot's clusters, read at every tick; the same collection for as long as the
     *     snapshot lasts, so that the checked ones are picked out once
     */
    public HealthChecks(
            Supplier<Collection<UpstreamCluster>> clusters,
            UpstreamConnector connector,
            EventLoopGroup loops,
            MeterRegistry registry) {
        this.clusters = requireNonNull(clusters, "clusters");
        this.connector = requireNonNull(connector, "connector");
        this.loops = requireNonNull(loops, "loops");
        this.registry = requireNonNull(registry, "registry");
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mtls-proxy-health");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        try {
            long now = System.nanoTime();
            Collection<UpstreamCluster> current = clusters.get();
            if (current != listed) {
                listed = current;
                checked = current.stream()
                        .filter(c -> c.config().policy().healthCheck().isPresent())
                        .toList();
            }
            for (UpstreamCluster cluster : checked) {
                HealthCheck check = cluster.config().policy().healthCheck().orElseThrow();
                for (UpstreamEndpoint e : cluster.endpoints()) {
                    if (e.address() != null && e.health().claim(now, check)) {
                        EventLoop loop = loops.next();
                        loop.execute(() -> HealthProbe.run(connector, cluster, e, check, loop)
                                .addListener(f -> recorded(cluster, e, check, (HealthProbe.Result) f.getNow())));
                    }
                }
            }
            if (now - nextGaugeSync >= 0) {
                nextGaugeSync = now + GAUGE_SYNC_NANOS;
                syncGauges(current);
            }
        } catch (RuntimeException e) {
            LOG.warn("health checks: tick failed", e);
        }
    }

    private void recorded(UpstreamCluster cluster, UpstreamEndpoint e, HealthCheck check, HealthProbe.Result r) {
        Counter.builder(MetricNames.UPSTREAM_HEALTH_CHECKS.replace("_total", ""))
                .description("Active health checks of origin endpoints, by result")
                .tags("route", cluster.route(), "result", r.passed() ? "pass" : "fail")
                .register(registry)
                .increment();
        if (e.health().record(r.passed(), r.text(), check)) {
            LOG.warn(
                    "route {}: endpoint {} ({}) is now {}: {}",
                    cluster.route(),
                    e,
                    e.addressText(),
                    e.health().healthy() ? "healthy" : "unhealthy",
                    r.text());
        }
    }

    /**
     * One gauge per endpoint of the current snapshot that can be out of rotation: 1 in rotation, 0 unhealthy or
     * ejected. An endpoint without health checks that was never ejected has no gauge until its first ejection:
     * ten thousand routes would otherwise hold ten thousand registered meters (about 750 B of heap each) that
     * can only say 1.
     */
    private void syncGauges(Collection<UpstreamCluster> current) {
        // gone first: a new endpoint with the same labels (a route rebuilt by a reload) then gets its own gauge
        if (!gauges.isEmpty()) { // (no set of every endpoint each second when there is nothing to remove)
            Set<UpstreamEndpoint> seen = Collections.newSetFromMap(new IdentityHashMap<>());
            current.forEach(c -> seen.addAll(c.endpoints()));
            gauges.entrySet().removeIf(en -> {
                if (seen.contains(en.getKey())) {
                    return false;
                }
                registry.remove(en.getValue());
                return true;
            });
        }
        for (UpstreamCluster cluster : current) {
            boolean checked = cluster.config().policy().healthCheck().isPresent();
            for (UpstreamEndpoint e : cluster.endpoints()) {
                if (!checked && e.ejectedAtMillis() == 0) {
                    continue;
                }
                gauges.computeIfAbsent(
                        e,
                        x -> Gauge.builder(MetricNames.UPSTREAM_HEALTHY, x, y -> y.available(System.nanoTime()) ? 1 : 0)
                                .description(
                                        "1 while an origin endpoint is in rotation, 0 when failing health checks or"
                                                + " ejected")
                                .tags(
                                        "route",
                                        cluster.route(),
                                        "endpoint",
                                        x.toString(),
                                        "address",
                                        String.valueOf(x.addressText()))
                                .strongReference(true)
                                .register(registry));
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
