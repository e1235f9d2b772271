package io.mtlsproxy.core.upstream;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * One request's (or one TCP relay's) way to an origin of its route, for HTTP exchanges, WebSockets and TCP alike:
 * pick an endpoint, connect or reuse a connection, classify a failure, count it for ejection, and try once more
 * (another endpoint when nothing was sent, or a new connection when a reused one was stale). Used on the
 * request's event loop only.
 */
public final class UpstreamAttempt {
    private final UpstreamPools pools;
    private final UpstreamCluster cluster;
    private final ProxyMetrics metrics;
    private final EventLoop loop;
    private UpstreamEndpoint endpoint;
    private boolean retried;

    public UpstreamAttempt(UpstreamPools pools, UpstreamCluster cluster, ProxyMetrics metrics, EventLoop loop) {
        this.pools = requireNonNull(pools, "pools");
        this.cluster = requireNonNull(cluster, "cluster");
        this.metrics = requireNonNull(metrics, "metrics");
        this.loop = requireNonNull(loop, "loop");
    }

    /**
     * Chooses the endpoint (round robin, ejected ones skipped); the failure to answer with when every endpoint is
     * ejected, else null.
     */
    public UpstreamFailure pick() {
        endpoint = cluster.pick(System.nanoTime());
        return endpoint != null
                ? null
                : UpstreamFailure.unavailable("no healthy origin for route " + cluster.route()
                        + ": every endpoint is ejected after failures");
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
     * After {@code failure} with nothing sent (connect or origin handshake), moves to another endpoint that is not
     * ejected, once; false when already retried, the failure is not the endpoint's, or no other is healthy.
     */
    public boolean retryElsewhere(UpstreamFailure failure) {
        if (retried || !failure.endpointFault()) {
            return false;
        }
        UpstreamEndpoint other = cluster.pickOther(System.nanoTime(), endpoint);
        if (other == null) {
            return false;
        }
        retried = true;
        endpoint = other;
        return true;
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
