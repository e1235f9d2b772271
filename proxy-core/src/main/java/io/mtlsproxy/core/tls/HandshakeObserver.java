package io.mtlsproxy.core.tls;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.identity.PeerIdentity;
import io.mtlsproxy.core.identity.TlsFailureReason;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.metrics.TlsFailure;
import io.mtlsproxy.core.net.ClientAddress;
import io.mtlsproxy.core.net.LingeringClose;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.AttributeKey;
import java.security.cert.X509Certificate;
import java.time.Instant;

/**
 * Watches one connection's handshake, right after its SslHandler (or SniHandler): on success it stores the
 * client's {@link PeerIdentity} on the channel (inbound) and counts the handshake; on failure it counts it with
 * its reason and adds it to /tls/failures. It then leaves the pipeline: one handshake, one verdict.
 * Not sharable: it remembers the SNI of its own connection.
 */
public final class HandshakeObserver extends ChannelInboundHandlerAdapter {
    /** The host name the client asked for by SNI (as SniHandler reports it); absent when none was sent. */
    public static final AttributeKey<String> SNI = AttributeKey.valueOf("mtls-proxy.sni");

    private final ProxyMetrics metrics;
    private final ProxyMetrics.Side side;
    private final String name;
    private String sni;

    /** {@code name} is the listener (inbound) or the route (upstream). */
    public HandshakeObserver(ProxyMetrics metrics, ProxyMetrics.Side side, String name) {
        this.metrics = requireNonNull(metrics, "metrics");
        this.side = requireNonNull(side, "side");
        this.name = requireNonNull(name, "name");
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        boolean finished = false;
        if (evt instanceof SniCompletionEvent sniEvent) {
            sni = sniEvent.hostname();
            if (sni != null) {
                ctx.channel().attr(SNI).set(sni);
            }
            if (!sniEvent.isSuccess()) { // e.g. no ClientHello within the handshake timeout: no SslHandler follows
                failed(ctx, sniEvent.cause());
                finished = true;
            }
        } else if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                succeeded(ctx);
            } else {
                failed(ctx, done.cause());
            }
            finished = true;
        }
        ctx.fireUserEventTriggered(evt);
        if (finished && !ctx.isRemoved()) {
            ctx.pipeline().remove(this);
        }
    }

    private void succeeded(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (side == ProxyMetrics.Side.INBOUND && ssl != null) {
            PeerIdentity peer = PeerIdentity.fromHandshake(ssl);
            ctx.channel().attr(PeerIdentity.KEY).set(peer);
            X509Certificate leaf = peer.leaf();
            if (leaf != null) {
                long remaining = (leaf.getNotAfter().getTime() - System.currentTimeMillis()) / 1000;
                metrics.clientCertificateSeen(name, remaining);
                metrics.clients().handshake(name, peer, Instant.now());
            }
        }
        metrics.handshakeSucceeded(side, name);
    }

    private void failed(ChannelHandlerContext ctx, Throwable cause) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        String server = sni;
        if (server == null && ssl != null && side == ProxyMetrics.Side.UPSTREAM) {
            server = ssl.engine().getPeerHost();
        }
        if (side == ProxyMetrics.Side.INBOUND) {
            LingeringClose.arm(ctx.channel()); // the SslHandler closes next: let the client read the alert
        }
        TlsFailureReason reason = TlsFailures.classify(cause);
        String refusedClient = TlsFailures.peerSha256(cause);
        if (side == ProxyMetrics.Side.INBOUND && refusedClient != null) {
            metrics.clients().refused(name, refusedClient, reason.label());
        }
        // the client's address: the PROXY protocol's source on a proxy-protocol listener
        metrics.handshakeFailed(new TlsFailure(
                Instant.now(),
                side,
                name,
                ClientAddress.hostAndPort(ctx.channel()),
                server,
                reason,
                TlsFailures.detail(cause),
                TlsFailures.peerSubject(cause),
                TlsFailures.clockSkewSeconds(cause)));
    }
}
