package io.mtlsproxy.core.upstream;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.timeout.IdleTimeout;
import io.mtlsproxy.core.tls.HandshakeObserver;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslHandler;

/** The pipeline of one upstream connection: [tls → handshake] → http client codec → idle → relay. */
final class UpstreamInitializer extends ChannelInitializer<Channel> {
    /** Origins send bigger headers than clients (cookies, CSP); this bounds what one response head may hold. */
    static final int MAX_RESPONSE_HEADER_SIZE = 64 * 1024;

    private final UpstreamCluster cluster;
    private final UpstreamEndpoint endpoint;
    private final ProxyMetrics metrics;
    private final Duration poolIdleTimeout;

    UpstreamInitializer(UpstreamCluster cluster, UpstreamEndpoint endpoint, ProxyMetrics metrics,
                        Duration poolIdleTimeout) {
        this.cluster = requireNonNull(cluster, "cluster");
        this.endpoint = requireNonNull(endpoint, "endpoint");
        this.metrics = requireNonNull(metrics, "metrics");
        this.poolIdleTimeout = requireNonNull(poolIdleTimeout, "poolIdleTimeout");
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        if (cluster.tls().isPresent()) {
            SslHandler ssl = cluster.tls().get().newHandler(ch.alloc(), endpoint.endpoint());
            // connect-timeout bounds the TCP connect and the handshake alike
            ssl.setHandshakeTimeoutMillis(cluster.config().connectTimeout().toMillis());
            p.addLast("tls", ssl);
            p.addLast("handshake", new HandshakeObserver(metrics, ProxyMetrics.Side.UPSTREAM, cluster.route()));
        }
        p.addLast("http", new HttpClientCodec(new HttpDecoderConfig()
                .setMaxHeaderSize(MAX_RESPONSE_HEADER_SIZE)
                .setMaxInitialLineLength(8192), false, false));
        p.addLast("idle", new IdleTimeout(poolIdleTimeout.toMillis(), TimeUnit.MILLISECONDS));
        p.addLast("relay", new UpstreamHandler());
    }
}
