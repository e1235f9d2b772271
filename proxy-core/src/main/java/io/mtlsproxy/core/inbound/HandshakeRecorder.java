package io.mtlsproxy.core.inbound;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Locale;

import io.mtlsproxy.core.identity.PeerIdentity;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.net.ClientAddress;
import io.mtlsproxy.core.metrics.TlsFailure;
import io.mtlsproxy.core.metrics.TlsFailureReason;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;

/**
 * Interim handshake observer of the data path (core.tls delivers the real HandshakeObserver): remembers the SNI,
 * stores the peer identity on the channel once the handshake completes and counts handshakes in the metrics.
 */
public final class HandshakeRecorder extends ChannelInboundHandlerAdapter {
    private final ProxyMetrics metrics;
    private final ProxyMetrics.Side side;
    private final String name;

    public HandshakeRecorder(ProxyMetrics metrics, ProxyMetrics.Side side, String name) {
        this.metrics = requireNonNull(metrics, "metrics");
        this.side = requireNonNull(side, "side");
        this.name = requireNonNull(name, "name");
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SniCompletionEvent sni) {
            InboundConnection conn = InboundConnection.of(ctx.channel());
            if (conn != null) {
                conn.sni(sni.hostname());
            }
        } else if (evt instanceof SslHandshakeCompletionEvent done) {
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            if (done.isSuccess() && ssl != null) {
                PeerIdentity peer = PeerIdentity.fromHandshake(ssl);
                ctx.channel().attr(PeerIdentity.KEY).set(peer);
                metrics.handshakeSucceeded(side, name);
            } else if (!done.isSuccess()) {
                String remote = ClientAddress.hostAndPort(ctx.channel());
                InboundConnection conn = InboundConnection.of(ctx.channel());
                metrics.handshakeFailed(new TlsFailure(Instant.now(), side, name, remote,
                        conn == null ? null : conn.sni(), reasonOf(done.cause()),
                        String.valueOf(done.cause().getMessage()), null));
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    private static TlsFailureReason reasonOf(Throwable cause) {
        if (cause instanceof SslHandshakeTimeoutException) {
            return TlsFailureReason.TIMEOUT;
        }
        StringBuilder all = new StringBuilder();
        for (Throwable t = cause; t != null; t = t.getCause()) {
            all.append(' ').append(t.getMessage());
        }
        String m = all.toString().toLowerCase(Locale.ROOT);
        if (m.contains("certificate_required") || m.contains("peer did not return a certificate")
                || m.contains("empty client certificate")) {
            return TlsFailureReason.NO_CLIENT_CERT;
        }
        if (m.contains("not yet valid")) {
            return TlsFailureReason.NOT_YET_VALID;
        }
        if (m.contains("expired")) {
            return TlsFailureReason.EXPIRED;
        }
        if (m.contains("revoked")) {
            return TlsFailureReason.REVOKED;
        }
        if (m.contains("unknown_ca") || m.contains("unable to find valid certification path")
                || m.contains("unable to get local issuer")) {
            return TlsFailureReason.UNKNOWN_CA;
        }
        if (m.contains("subject alternative name") || m.contains("hostname")) {
            return TlsFailureReason.HOSTNAME_MISMATCH;
        }
        if (m.contains("protocol")) {
            return TlsFailureReason.PROTOCOL_VERSION;
        }
        return TlsFailureReason.OTHER;
    }
}
