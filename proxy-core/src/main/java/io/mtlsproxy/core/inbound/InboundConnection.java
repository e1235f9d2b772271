package io.mtlsproxy.core.inbound;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.identity.PeerIdentity;
import io.mtlsproxy.core.tls.HandshakeObserver;
import io.mtlsproxy.core.net.ClientAddress;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * What the data path knows about one client connection: its listener, whether it is TLS, the client's address,
 * and, as the {@link HandshakeObserver} recorded them on the channel, the SNI it asked for and its certificate
 * identity.
 */
public final class InboundConnection {
    public static final AttributeKey<InboundConnection> KEY = AttributeKey.valueOf("mtls-proxy.inbound-connection");

    private final Channel channel;
    private final String listener;
    private final boolean secure;

    private InboundConnection(Channel channel, String listener, boolean secure) {
        this.channel = requireNonNull(channel, "channel");
        this.listener = requireNonNull(listener, "listener");
        this.secure = secure;
    }

    public static InboundConnection attach(Channel channel, String listener, boolean secure) {
        InboundConnection c = new InboundConnection(channel, listener, secure);
        channel.attr(KEY).set(c);
        return c;
    }

    public static InboundConnection of(Channel channel) {
        return channel.attr(KEY).get();
    }

    public String listener() {
        return listener;
    }

    /** True on a tls or mtls listener: X-Forwarded-Proto is https. */
    public boolean secure() {
        return secure;
    }

    /** The host name the client sent by SNI, lower case; null when none (or a plain listener). */
    public String sni() {
        String sni = channel.attr(HandshakeObserver.SNI).get();
        return sni == null ? null : sni.toLowerCase(java.util.Locale.ROOT);
    }

    /** The verified (or, with optional client auth, recorded) client certificate; ANONYMOUS when none. */
    public PeerIdentity peer() {
        PeerIdentity p = channel.attr(PeerIdentity.KEY).get();
        return p == null ? PeerIdentity.ANONYMOUS : p;
    }

    /**
     * The client's IP address as text (no port), for X-Forwarded-For and the access log: the PROXY protocol's
     * source on a {@code proxy-protocol} listener, else the socket's peer.
     */
    public String remoteAddress() {
        return ClientAddress.host(channel);
    }
}
