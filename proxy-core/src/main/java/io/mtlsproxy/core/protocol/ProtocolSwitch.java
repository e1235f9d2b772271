package io.mtlsproxy.core.protocol;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.admission.Admission;
import io.mtlsproxy.core.forward.ForwardingContext;
import io.mtlsproxy.core.inbound.InboundConnection;
import io.mtlsproxy.core.inbound.Listener;
import io.mtlsproxy.core.inbound.ListenerInitializer;
import io.mtlsproxy.core.routing.Route;
import io.mtlsproxy.core.tcp.TcpProxy;
import io.mtlsproxy.core.tls.HandshakeObserver;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.ArrayDeque;

/**
 * Decides what a client connection speaks, once the TLS handshake says enough (on a plain listener: at once):
 * <ol>
 * <li>a {@code protocol = tcp} route of the listener whose host matches the SNI (or has none): a raw byte relay
 * ({@link TcpProxy});</li>
 * <li>else, when the client chose {@code h2} by ALPN: HTTP/2 ({@link H2Inbound});</li>
 * <li>else the HTTP/1.1 pipeline the listener built stays.</li>
 * </ol>
 * It sits right after the handshake observer and leaves once it has decided. Nothing the client sent is read by the
 * HTTP/1.1 handlers before that: what arrives early is held and handed to the chosen protocol.
 */
public final class ProtocolSwitch extends ChannelInboundHandlerAdapter {
    /** The listener's HTTP/1.1 handlers, removed when the connection speaks something else. */
    private final ForwardingContext fc;

    private final Listener listener;
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private boolean decided;

    /** Null when the listener's connections can only speak HTTP/1.1 (plain, without tcp routes). */
    public static ProtocolSwitch forListener(ForwardingContext fc, Listener listener) {
        return listener.tls().isPresent() || !listener.tcpRouter().isEmpty() ? new ProtocolSwitch(fc, listener) : null;
    }

    public ProtocolSwitch(ForwardingContext fc, Listener listener) {
        this.fc = requireNonNull(fc, "fc");
        this.listener = requireNonNull(listener, "listener");
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (listener.tls().isEmpty()) {
            decide(ctx, null, null); // no SNI, no ALPN: only a tcp route without host can take it
        }
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!decided && evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                decide(ctx, sni(ctx), ssl == null ? null : ssl.applicationProtocol());
            } else {
                decided = true; // the handshake observer has counted it; the connection is closing
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (decided) {
            ctx.fireChannelRead(msg);
        } else {
            held.add(msg);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        Object m;
        while ((m = held.poll()) != null) {
            ctx.fireChannelRead(m);
        }
    }

    private void decide(ChannelHandlerContext ctx, String sni, String alpn) {
        decided = true;
        InboundConnection conn = InboundConnection.of(ctx.channel());
        Route tcp = Admission.tcpRoute(listener, sni);
        ChannelPipeline p = ctx.pipeline();
        if (tcp != null) {
            ListenerInitializer.removeHttp1(p);
            p.addLast("tcp", new TcpProxy(fc, tcp, conn, sni));
        } else if (ApplicationProtocolNames.HTTP_2.equals(alpn)) {
            ListenerInitializer.removeHttp1(p);
            H2Inbound.install(p, fc, listener, conn);
        }
        p.remove(this); // hands what it held to the protocol chosen
    }

    /** The SNI as the handshake observer (or the data path's recorder) stored it; null when none was sent. */
    private static String sni(ChannelHandlerContext ctx) {
        InboundConnection conn = InboundConnection.of(ctx.channel());
        if (conn != null && conn.sni() != null) {
            return conn.sni();
        }
        return ctx.channel().attr(HandshakeObserver.SNI).get();
    }
}
