package io.mtlsproxy.core.upstream;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.UpstreamProtocol;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.timeout.IdleTimeout;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive connections to origins, one pool per event loop keyed by endpoint (an endpoint belongs to one route
 * of one snapshot, so the key is route + endpoint). A request only ever takes a connection of its own event loop:
 * the two channels then share a thread, and relaying needs no locks and no hand-off. Each loop's pool is touched
 * by its own loop only.
 */
public final class UpstreamPools {
    /** Origins send bigger headers than clients (cookies, CSP); this bounds what one response head may hold. */
    static final int MAX_RESPONSE_HEADER_SIZE = 64 * 1024;

    private final Duration idleTimeout;
    private final ConcurrentHashMap<EventExecutor, LoopPool> pools = new ConcurrentHashMap<>();
    private final UpstreamConnector connector;
    private final H2Connections h2;

    /** {@code template} carries the channel class and options; its group is replaced per connection. */
    public UpstreamPools(Bootstrap template, ProxyMetrics metrics, Duration idleTimeout) {
        this.idleTimeout = requireNonNull(idleTimeout, "idleTimeout");
        this.connector = new UpstreamConnector(
                requireNonNull(template, "template")
                        .clone()
                        .option(ChannelOption.AUTO_READ, false)
                        .option(ChannelOption.TCP_NODELAY, true),
                requireNonNull(metrics, "metrics"));
        this.h2 = new H2Connections(connector, idleTimeout);
    }

    /** Opens origin connections; used directly for those that are never pooled: TCP relays, WebSockets. */
    public UpstreamConnector connector() {
        return connector;
    }

    /**
     * A connected (and, for tls/mtls, handshaken) channel to {@code endpoint} on {@code loop}: an idle pooled one,
     * else a new one. Fails with an {@link UpstreamFailure}. Call on {@code loop}.
     */
    public Future<Channel> acquire(UpstreamCluster cluster, UpstreamEndpoint endpoint, EventLoop loop) {
        if (cluster.config().protocol() == UpstreamProtocol.H2) {
            return h2.acquire(cluster, endpoint, loop); // a new stream on a shared HTTP/2 connection
        }
        Channel idle = pool(loop).poll(endpoint);
        if (idle != null) {
            return loop.newSucceededFuture(idle);
        }
        Future<Channel> connected = connector.open(cluster, endpoint, loop, p -> http1(p, cluster));
        connected.addListener(f -> {
            if (f.isSuccess()) {
                Channel ch = connected.getNow();
                ch.closeFuture().addListener(c -> pool(loop).remove(endpoint, ch)); // runs on the channel's loop
            }
        });
        return connected;
    }

    /** The HTTP/1.1 codec of every origin connection (pooled ones and WebSockets), with its header limits. */
    public static HttpClientCodec httpCodec() {
        return new HttpClientCodec(
                new HttpDecoderConfig()
                        .setMaxHeaderSize(MAX_RESPONSE_HEADER_SIZE)
                        .setMaxInitialLineLength(8192),
                false,
                false);
    }

    /** How long an origin connection may stay unused: the route's upstream idle-timeout, else the server's. */
    static Duration idleTimeout(UpstreamCluster cluster, Duration serverDefault) {
        return cluster.config().policy().idleTimeout().orElse(serverDefault);
    }

    /** After TLS, a pooled connection's pipeline: http client codec → idle → relay. */
    private void http1(ChannelPipeline p, UpstreamCluster cluster) {
        p.addLast("http", httpCodec());
        p.addLast("idle", new IdleTimeout(idleTimeout(cluster, idleTimeout).toMillis(), TimeUnit.MILLISECONDS));
        p.addLast("relay", new UpstreamHandler());
    }

    /**
     * An idle pooled HTTP/1.1 connection to {@code endpoint} on {@code loop}, or null (none idle, or an h2 route):
     * the fast path of {@link #acquire}, without a future. Call on {@code loop}.
     */
    public Channel pollIdle(UpstreamCluster cluster, UpstreamEndpoint endpoint, EventLoop loop) {
        if (cluster.config().protocol() == UpstreamProtocol.H2) {
            return null;
        }
        return pool(loop).poll(endpoint);
    }

    /**
     * Gives a channel back after a complete exchange. It stays readable, so that an origin closing it (or talking
     * out of turn) is noticed while it sits idle. Call on the channel's event loop.
     */
    public void release(UpstreamEndpoint endpoint, Channel ch) {
        UpstreamHandler relay = UpstreamHandler.of(ch);
        if (relay != null) {
            relay.detach();
        }
        if (ch instanceof Http2StreamChannel) {
            ch.close(); // a stream serves one exchange; its connection stays with the other streams
            return;
        }
        if (!ch.isActive() || endpoint.retired() || relay == null) {
            ch.close();
            return;
        }
        pool(ch.eventLoop()).offer(endpoint, ch);
        ch.read();
    }

    /**
     * Closes the idle connections of endpoints whose snapshot was replaced, and lets their HTTP/2 connections go
     * away once their streams end. Safe from any thread.
     */
    public void evictRetired(EventLoopGroup group) {
        for (EventExecutor loop : group) {
            loop.execute(() -> {
                pool(loop).evictRetired();
                h2.evictRetired(loop);
            });
        }
    }

    /** Closes every origin connection, pooled or not, while the event loops still run (at shutdown). */
    public void close() {
        connector.close();
    }

    /** HTTP/2 connections of one event loop to one endpoint (tests and diagnostics). */
    int h2Connections(EventLoop loop, UpstreamEndpoint endpoint) {
        return h2.connections(loop, endpoint);
    }

    /** Endpoints one event loop holds HTTP/2 connections (or a connect) for (tests and diagnostics). */
    int h2Endpoints(EventLoop loop) {
        return h2.endpoints(loop);
    }

    /** Idle connections of one event loop to one endpoint (tests and diagnostics). */
    public int idleCount(EventLoop loop, UpstreamEndpoint endpoint) {
        return pool(loop).count(endpoint);
    }

    private LoopPool pool(EventExecutor loop) {
        return pools.computeIfAbsent(loop, l -> new LoopPool());
    }

    /** One event loop's idle connections; used from that loop only. */
    private static final class LoopPool {
        private final Map<UpstreamEndpoint, ArrayDeque<Channel>> idle = new HashMap<>();

        Channel poll(UpstreamEndpoint endpoint) {
            ArrayDeque<Channel> q = idle.get(endpoint);
            while (q != null && !q.isEmpty()) {
                Channel ch = q.pollLast(); // most recently used: least likely to have been closed by the origin
                if (ch.isActive()) {
                    return ch;
                }
            }
            return null;
        }

        void offer(UpstreamEndpoint endpoint, Channel ch) {
            ArrayDeque<Channel> q = idle.computeIfAbsent(endpoint, e -> new ArrayDeque<>());
            q.addLast(ch);
        }

        void remove(UpstreamEndpoint endpoint, Channel ch) {
            ArrayDeque<Channel> q = idle.get(endpoint);
            if (q != null && q.remove(ch) && q.isEmpty()) {
                idle.remove(endpoint);
            }
        }

        int count(UpstreamEndpoint endpoint) {
            ArrayDeque<Channel> q = idle.get(endpoint);
            return q == null ? 0 : q.size();
        }

        void evictRetired() {
            for (Iterator<Map.Entry<UpstreamEndpoint, ArrayDeque<Channel>>> it =
                            idle.entrySet().iterator();
                    it.hasNext(); ) {
                Map.Entry<UpstreamEndpoint, ArrayDeque<Channel>> e = it.next();
                if (e.getKey().retired()) {
                    it.remove();
                    for (Channel ch : e.getValue()) {
                        ch.close();
                    }
                }
            }
        }
    }
}
