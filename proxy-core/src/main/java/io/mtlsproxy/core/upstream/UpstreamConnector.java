package io.mtlsproxy.core.upstream;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.metrics.UpstreamErrorReason;
import io.mtlsproxy.core.tls.HandshakeObserver;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Opens one origin connection, for every kind of upstream: pooled HTTP/1.1, shared HTTP/2, and the dedicated ones
 * of TCP relays and WebSockets. The endpoint's resolved address, the per-endpoint connection limit, a connect on
 * the caller's event loop (so both channels share a thread), the route's outbound TLS (SNI and host name checks
 * as {@link io.mtlsproxy.core.tls.ClientTls} was built) with its handshake counted, and the ALPN the caller
 * requires. Every failure is an {@link UpstreamFailure}; counting it against the endpoint (passive ejection) is
 * the caller's, which knows whether the request is retried.
 */
public final class UpstreamConnector {
    private final Bootstrap template;
    private final ProxyMetrics metrics;
    /**
     * Every origin connection until it closes, so that {@link #close} ends them while their event loops still run
     * (stays closed: a connect racing with it is closed at once).
     */
    private final ChannelGroup open = new DefaultChannelGroup("origin-connections", GlobalEventExecutor.INSTANCE, true);

    /** {@code template} carries the channel class and options; its group is replaced per connection. */
    public UpstreamConnector(Bootstrap template, ProxyMetrics metrics) {
        this.template = requireNonNull(template, "template");
        this.metrics = requireNonNull(metrics, "metrics");
    }

    /**
     * A connected (for tls/mtls: handshaken) channel to {@code endpoint} on {@code loop}, with AUTO_READ off; fails
     * with an {@link UpstreamFailure}. {@code protocol} completes the pipeline after TLS. Call on {@code loop}.
     */
    public Future<Channel> open(
            UpstreamCluster cluster, UpstreamEndpoint endpoint, EventLoop loop, Consumer<ChannelPipeline> protocol) {
        return open(cluster, endpoint, loop, null, protocol);
    }

    /**
     * As {@link #open(UpstreamCluster, UpstreamEndpoint, EventLoop, Consumer)}; over TLS the origin must also have
     * chosen {@code alpn} (an HTTP/2 origin: {@code "h2"}), or the connection is closed and fails with reason tls.
     */
    Future<Channel> open(
            UpstreamCluster cluster,
            UpstreamEndpoint endpoint,
            EventLoop loop,
            String alpn,
            Consumer<ChannelPipeline> protocol) {
        Promise<Channel> promise = loop.newPromise();
        InetSocketAddress address = endpoint.address();
        if (address == null) {
            return promise.setFailure(
                    new UpstreamFailure(UpstreamErrorReason.CONNECT, 502, endpoint.resolveError(), null));
        }
        int max = cluster.config().maxConnectionsPerEndpoint();
        if (endpoint.openConnections().incrementAndGet() > max) {
            endpoint.openConnections().decrementAndGet();
            return promise.setFailure(
                    UpstreamFailure.unavailable("origin connection limit reached (" + max + " to " + endpoint + ")"));
        }
        ChannelFuture connect = template.clone(loop)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        cluster.config().connectTimeout().toMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (cluster.tls().isPresent()) {
                            SslHandler ssl = cluster.tls().get().newHandler(ch.alloc(), endpoint.endpoint());
                            // connect-timeout bounds the TCP connect and the handshake alike
                            ssl.setHandshakeTimeoutMillis(
                                    cluster.config().connectTimeout().toMillis());
                            p.addLast("tls", ssl);
                            p.addLast(
                                    "handshake",
                                    new HandshakeObserver(metrics, ProxyMetrics.Side.UPSTREAM, cluster.route()));
                        }
                        protocol.accept(p);
                    }
                })
                .connect(address);
        Channel ch = connect.channel();
        open.add(ch);
        ch.closeFuture().addListener(f -> endpoint.openConnections().decrementAndGet());
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(UpstreamFailure.classify(f.cause(), endpoint));
                return;
            }
            SslHandler ssl = ch.pipeline().get(SslHandler.class);
            if (ssl == null) {
                promise.trySuccess(ch);
                return;
            }
            ssl.handshakeFuture().addListener(h -> {
                if (!h.isSuccess()) {
                    promise.tryFailure(UpstreamFailure.classify(h.cause(), endpoint));
                    ch.close();
                } else if (alpn != null && !alpn.equals(ssl.applicationProtocol())) {
                    ch.close();
                    promise.tryFailure(new UpstreamFailure(
                            UpstreamErrorReason.TLS,
                            502,
                            "origin " + endpoint
                                    + " did not agree to " + protocolName(alpn) + " by ALPN (upstream.protocol = "
                                    + alpn
                                    + ")",
                            null));
                } else {
                    promise.trySuccess(ch);
                }
            });
        });
        return promise;
    }

    /**
     * Closes every origin connection, waiting up to a second. Call before the event loops stop: a channel that only
     * the loop's own shutdown closes may never run its pipeline's teardown, and what its handlers still hold (the
     * HTTP/2 preface queued in the SslHandler of a handshake in progress) would leak.
     */
    public void close() {
        open.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
    }

    private static String protocolName(String alpn) {
        return ApplicationProtocolNames.HTTP_2.equals(alpn) ? "HTTP/2" : alpn;
    }
}
