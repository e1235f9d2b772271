package io.mtlsproxy.core.upstream;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.util.function.Consumer;

import io.mtlsproxy.core.tls.HandshakeObserver;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.metrics.UpstreamErrorReason;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

/**
 * Origin connections that are never pooled because they stop being HTTP: a TCP route's relay, a WebSocket after
 * its 101. Same socket options, outbound TLS, handshake metrics and per-endpoint connection limit as the pooled
 * ones; the caller adds what it speaks on top (nothing for raw bytes, an HTTP codec for the WebSocket handshake).
 */
public final class DedicatedConnections {
    private final Bootstrap template;
    private final ProxyMetrics metrics;

    public DedicatedConnections(Bootstrap template, ProxyMetrics metrics) {
        this.template = requireNonNull(template, "template");
        this.metrics = requireNonNull(metrics, "metrics");
    }

    /**
     * A connected (for tls/mtls: handshaken) channel to {@code endpoint} on {@code loop}, with AUTO_READ off; fails
     * with an {@link UpstreamFailure}. {@code protocol} completes the pipeline after TLS. Call on {@code loop}.
     */
    public Future<Channel> open(UpstreamCluster cluster, UpstreamEndpoint endpoint, EventLoop loop,
                                Consumer<ChannelPipeline> protocol) {
        Promise<Channel> promise = loop.newPromise();
        InetSocketAddress address = endpoint.address();
        if (address == null) {
            return promise.setFailure(new UpstreamFailure(UpstreamErrorReason.CONNECT, 502, endpoint.resolveError(),
                    null));
        }
        int max = cluster.config().maxConnectionsPerEndpoint();
        if (endpoint.openConnections().incrementAndGet() > max) {
            endpoint.openConnections().decrementAndGet();
            return promise.setFailure(UpstreamFailure.unavailable(
                    "origin connection limit reached (" + max + " to " + endpoint + ")"));
        }
        ChannelFuture connect = template.clone(loop)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) cluster.config().connectTimeout().toMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (cluster.tls().isPresent()) {
                            SslHandler ssl = cluster.tls().get().newHandler(ch.alloc(), endpoint.endpoint());
                            ssl.setHandshakeTimeoutMillis(cluster.config().connectTimeout().toMillis());
                            p.addLast("tls", ssl);
                            p.addLast("handshake", new HandshakeObserver(metrics, ProxyMetrics.Side.UPSTREAM,
                                    cluster.route()));
                        }
                        protocol.accept(p);
                    }
                })
                .connect(address);
        Channel ch = connect.channel();
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
                if (h.isSuccess()) {
                    promise.trySuccess(ch);
                } else {
                    promise.tryFailure(UpstreamFailure.classify(h.cause(), endpoint));
                    ch.close();
                }
            });
        });
        return promise;
    }
}
