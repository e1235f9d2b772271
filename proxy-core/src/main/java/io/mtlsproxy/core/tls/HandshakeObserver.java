package io.mtlsproxy.core.tls;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.identity.PeerIdentity;
import io.mtlsproxy.core.identity.TlsFailureReason;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.metrics.TlsFailure;
import io.mtlsproxy.core.net.ClientAddress;
import io.mtlsproxy.core.net.LingeringClose;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.internal.tcnative.SSL;
import io.netty.util.AttributeKey;
import java.time.Instant;
import java.util.Locale;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;

/**
 * Watches one connection's handshake, right after its SslHandler (or SniHandler): on success it stores the
 * client's {@link PeerIdentity} on the channel (inbound) and counts the handshake; on failure it counts it with
 * its reason and adds it to /tls/failures. It then leaves the pipeline: one handshake, one verdict.
 * Not sharable: it remembers the SNI of its own connection.
 * <p>
 * On a listener where SNI chooses nothing there is no SniHandler ({@link #afterSslHandler}): the handler that looks
 * at the client's first bytes hands them to {@link #firstRead}, which reads the SNI of the ClientHello in them, so
 * that a handshake refused in that very read (an old protocol version, no shared cipher suite) is still listed with
 * it: the engine frees what it parsed before the failure is reported. A hello split over several reads is asked of
 * the engine once it is in. As the SniHandler did, the observer does not count a connection that closed before its
 * first byte (a load balancer's TCP health check) as a failed handshake.
 */
public final class HandshakeObserver extends ChannelInboundHandlerAdapter {
    /** The host name the client asked for by SNI (as SniHandler reports it); absent when none was sent. */
    public static final AttributeKey<String> SNI = AttributeKey.valueOf("mtls-proxy.sni");

    private final ProxyMetrics metrics;
    private final ProxyMetrics.Side side;
    private final String name;
    /** the SslHandler whose engine tells the SNI of a split hello; null behind a SniHandler, which reports it */
    private final SslHandler engineSni;

    private String sni;
    /** the client sent a first byte, and it was TLS (not a plain HTTP request, answered 400) */
    private boolean firstByte;
    /** the first read held the whole ClientHello: {@link #sni} is its SNI, or null for none */
    private boolean helloRead;

    /** {@code name} is the listener (inbound) or the route (upstream). */
    public HandshakeObserver(ProxyMetrics metrics, ProxyMetrics.Side side, String name) {
        this(metrics, side, name, null);
    }

    private HandshakeObserver(ProxyMetrics metrics, ProxyMetrics.Side side, String name, SslHandler engineSni) {
        this.metrics = requireNonNull(metrics, "metrics");
        this.side = requireNonNull(side, "side");
        this.name = requireNonNull(name, "name");
        this.engineSni = engineSni;
    }

    /**
     * The observer of an inbound handshake with no SniHandler in front ({@code tls} is the connection's SslHandler);
     * the handler before {@code tls} that sees the client's first bytes must hand them to {@link #firstRead}.
     */
    public static HandshakeObserver afterSslHandler(ProxyMetrics metrics, String listener, SslHandler tls) {
        return new HandshakeObserver(metrics, ProxyMetrics.Side.INBOUND, listener, requireNonNull(tls, "tls"));
    }

    /** The client's first bytes, a TLS record (not consumed): its SNI, when the whole ClientHello is in them. */
    public void firstRead(Channel channel, ByteBuf bytes) {
        firstByte = true;
        ClientHelloSummary hello = ClientHelloSummary.ofFirstRecord(bytes);
        if (hello != null) {
            helloRead = true;
            hello.serverName().ifPresent(name -> recordSni(channel, name));
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        askEngine(ctx);
        ctx.fireChannelReadComplete();
    }

    /** A hello split over reads: the engine tells its SNI once it is in (and before a refusal frees the engine). */
    private void askEngine(ChannelHandlerContext ctx) {
        if (engineSni != null && !helloRead && sni == null) {
            String name = requestedName(engineSni.engine());
            if (name != null) {
                recordSni(ctx.channel(), name);
            }
        }
    }

    private void recordSni(Channel channel, String name) {
        sni = name;
        channel.attr(SNI).set(name);
    }

    /** The host name the client sent by SNI, as far as the engine has read the ClientHello; null for none (yet). */
    static String requestedName(SSLEngine engine) {
        if (engine instanceof ReferenceCountedOpenSslEngine openSsl) {
            // the session's own list would be fixed at its first read, possibly before the ClientHello is in
            synchronized (openSsl) {
                long ssl = openSsl.sslPointer(); // 0 once the engine is freed
                String name = ssl == 0 ? null : SSL.getSniHostname(ssl);
                return name == null || name.isEmpty() ? null : name.toLowerCase(Locale.ROOT);
            }
        }
        SSLSession session = engine.getHandshakeSession();
        if (!((session != null ? session : engine.getSession()) instanceof ExtendedSSLSession extended)) {
            return null;
        }
        for (SNIServerName requested : extended.getRequestedServerNames()) {
            if (requested instanceof SNIHostName host) {
                return host.getAsciiName().toLowerCase(Locale.ROOT);
            }
        }
        return null;
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
            askEngine(ctx);
            if (done.isSuccess()) {
                succeeded(ctx);
            } else if (!closedBeforeFirstByte(done.cause())) {
                failed(ctx, done.cause());
            }
            finished = true;
        }
        ctx.fireUserEventTriggered(evt);
        if (finished && !ctx.isRemoved()) {
            ctx.pipeline().remove(this);
        }
    }

    /**
     * A connection that closed before it sent a byte, or that the plain-HTTP check answered: not a handshake (the
     * SniHandler never reported these). A client that sent nothing until the timeout is still a {@code timeout}.
     */
    private boolean closedBeforeFirstByte(Throwable cause) {
        return engineSni != null && !firstByte && !(cause instanceof SslHandshakeTimeoutException);
    }

    private void succeeded(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (side == ProxyMetrics.Side.INBOUND && ssl != null) {
            PeerIdentity peer = PeerIdentity.fromHandshake(ssl);
            ctx.channel().attr(PeerIdentity.KEY).set(peer);
            if (peer.presented()) {
                long remaining = peer.notAfter().getEpochSecond() - System.currentTimeMillis() / 1000;
                metrics.clientCertificateSeen(name, remaining);
                metrics.clients().handshake(name, peer, Instant.now());
            }
            DeferredTickets.afterHandshake(ctx.channel(), ssl);
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
