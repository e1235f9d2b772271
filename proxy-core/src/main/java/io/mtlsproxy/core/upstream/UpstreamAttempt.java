package io.mtlsproxy.core.upstream;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.mtlsproxy.config.Retries;
import io.mtlsproxy.config.RetryOn;
import io.mtlsproxy.core.metrics.MetricNames;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * One request's (or one TCP relay's) way to an origin of its route, for HTTP exchanges, WebSockets and TCP alike:
 * pick an endpoint, connect or reuse a connection, classify a failure, count it for ejection, and decide whether
 * to try again: by the route's {@code retries} (how many, after which failure, for which method, within the
 * retry budget) on another endpoint when there is one, or once on a new connection when a reused one was stale.
 * Used on the request's event loop only.
 */
public final class UpstreamAttempt {
    private final UpstreamPools pools;
    private final UpstreamCluster cluster;
    private final ProxyMetrics metrics;
    private final EventLoop loop;
    private UpstreamEndpoint endpoint;
    private boolean retried;
    private int retries;
    private boolean inFlight;
    private boolean holdsRetrySlot;

    public UpstreamAttempt(UpstreamPools pools, UpstreamCluster cluster, ProxyMetrics metrics, EventLoop loop) {
        this.pools = requireNonNull(pools, "pools");
        this.cluster = requireNonNull(cluster, "cluster");
        this.metrics = requireNonNull(metrics, "metrics");
        this.loop = requireNonNull(loop, "loop");
    }

    /**
     * Chooses the endpoint (by the route's load-balancing, ejected and unhealthy ones skipped); the failure to
     * answer with when no endpoint is available, else null.
     */
    public UpstreamFailure pick() {
        endpoint = cluster.pick(System.nanoTime());
        return endpoint != null
                ? null
                : UpstreamFailure.unavailable("no healthy origin for route " + cluster.route()
                        + ": every endpoint is ejected after failures or failing its health checks");
    }

    /** The endpoint picked; null before {@link #pick} or when none was healthy. */
    public UpstreamEndpoint endpoint() {
        return endpoint;
    }

    /** An idle pooled HTTP/1.1 connection, or null: the usual case under load, without a future. */
    public Channel pollIdle() {
        return pools.pollIdle(cluster, endpoint, loop);
    }

    /** A pooled connection (or an h2 stream); fails with an {@link UpstreamFailure}. */
    public Future<Channel> acquire() {
        return pools.acquire(cluster, endpoint, loop);
    }

    /** A dedicated connection, never pooled (TCP relays, WebSockets), with {@code protocol} after TLS. */
    public Future<Channel> open(Consumer<ChannelPipeline> protocol) {
        return pools.connector().open(cluster, endpoint, loop, protocol);
    }

    /** Gives a pooled connection back after a complete exchange. */
    public void release(Channel ch) {
        pools.release(endpoint, ch);
    }

    /** A connection or its use failed with {@code cause}: classified, and counted when it is the origin's fault. */
    public UpstreamFailure failed(Throwable cause) {
        UpstreamFailure failure = UpstreamFailure.classify(cause, endpoint);
        count(failure);
        return failure;
    }

    /** Counts {@code failure} in the route's upstream errors and the endpoint's ejection record if it is its fault. */
    public void count(UpstreamFailure failure) {
        if (failure.endpointFault()) {
            metrics.upstreamError(cluster.route(), failure.reason());
            endpoint.recordFailure(System.nanoTime());
        }
    }

    /** The origin answered: the endpoint's failure record starts over. */
    public void succeeded() {
        endpoint.recordSuccess();
    }

    /**
     * The request is under way from now on: it counts as in flight at its endpoint (least-request) and as active
     * on its route (retry budget) until {@link #end}. For HTTP exchanges; relays and tunnels do not count.
     */
    public void begin() {
        if (!inFlight && endpoint != null) {
            inFlight = true;
            endpoint.inFlight().incrementAndGet();
            cluster.retryBudget().requestStarted();
        }
    }

    /** The request is over, whichever way: what {@link #begin} and a retry counted is given back. Idempotent. */
    public void end() {
        if (inFlight) {
            inFlight = false;
            endpoint.inFlight().decrementAndGet();
            cluster.retryBudget().requestEnded();
        }
        if (holdsRetrySlot) {
            holdsRetrySlot = false;
            cluster.retryBudget().retryEnded();
        }
    }

    /**
     * Whether to try again after {@code cause}: the route retries on it, tries are left, the request can be sent
     * again ({@code repeatable}: no body, or all of it held to send again), its {@code method} is one the route
     * retries, and the
     * retry budget has room. Moves to another
     * available endpoint when there is one, else (but never after a failed connect) stays on this one if it is
     * still available.
     */
    public boolean retry(RetryOn cause, String method, boolean repeatable) {
        Retries policy = cluster.config().policy().retries();
        if (!repeatable
                || retries >= policy.attempts()
                || !policy.on().contains(cause)
                || !policy.methods().contains(method)) {
            return false;
        }
        long now = System.nanoTime();
        UpstreamEndpoint next = cluster.pickOther(now, endpoint);
        // a failed connect goes elsewhere or nowhere (the same address would most likely refuse again); an answer
        // or a reset may be tried again on the same endpoint
        if (next == null && cause != RetryOn.CONNECT_FAILURE && endpoint.available(now)) {
            next = endpoint;
        }
        if (next == null) {
            return false;
        }
        if (!holdsRetrySlot) {
            if (!cluster.retryBudget().tryStartRetry()) {
                retryCounter("budget_exhausted").increment();
                return false;
            }
            holdsRetrySlot = true;
        }
        retryCounter("retried").increment();
        retries++;
        retried = true;
        if (inFlight && next != endpoint) {
            endpoint.inFlight().decrementAndGet();
            next.inFlight().incrementAndGet();
        }
        endpoint = next;
        return true;
    }

    private Counter retryCounter(String result) {
        return Counter.builder(MetricNames.UPSTREAM_RETRIES.replace("_total", ""))
                .description("Requests tried again on an origin, and retries the retry budget refused")
                .tags("route", cluster.route(), "result", result)
                .register(metrics.registry());
    }

    /** Retries made by the route's retry policy (not counting a stale pooled connection's). */
    public int retries() {
        return retries;
    }

    /** A reused connection turned out stale: one more try on the same endpoint, once. */
    public boolean retryFresh() {
        if (retried) {
            return false;
        }
        retried = true;
        return true;
    }

    public boolean retried() {
        return retried;
    }
}
