package io.mtlsproxy.core.inbound;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.identity.PeerIdentity;
import io.mtlsproxy.core.net.ClientAddress;
import io.mtlsproxy.core.tls.HandshakeObserver;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import java.util.function.Function;
import javax.net.ssl.SSLSession;

/**
 * What the data path knows about one client connection: its listener, whether it is TLS, the client's address,
 * and, as the {@link HandshakeObserver} recorded them on the channel, the SNI it asked for and its certificate
 * identity.
 * <p>
 * Values derived from them (the lower-case SNI, the address as text, the X-Forwarded-Client-Cert element) are worked
 * out once per connection, not once per request. They are only read on the connection's event loop (HTTP/2 streams
 * share their connection's loop), so the memos need no synchronization.
 */
public final class InboundConnection {
    public static final AttributeKey<InboundConnection> KEY = AttributeKey.valueOf("mtls-proxy.inbound-connection");

    private final Channel channel;
    private final String listener;
    private final boolean secure;
    private String sni;
    private boolean sniRead;
    /** the identity the handshake recorded; it is set once, when the handshake completes, before any request */
    private PeerIdentity peer;

    private String remoteAddress;
    private PeerIdentity certElementOf;
    private String certElement;
    private String tlsVersion;
    private String cipher;

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
        if (!sniRead) {
            String sent = channel.attr(HandshakeObserver.SNI).get(); // set once, when the handshake completes
            if (sent == null && secure && !handshakeDone()) {
                return null; // not known yet: looked up again next time
            }
            sni = sent == null ? null : sent.toLowerCase(java.util.Locale.ROOT);
            sniRead = true; // also when the client sent none: no attribute search per request for it
        }
        return sni;
    }

    private boolean handshakeDone() {
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        return ssl != null && ssl.handshakeFuture().isDone();
    }

    /** The verified (or, with optional client auth, recorded) client certificate; ANONYMOUS when none. */
    public PeerIdentity peer() {
        PeerIdentity p = peer;
        if (p == null) {
            p = channel.attr(PeerIdentity.KEY).get(); // a search of the channel's attributes: once, not per request
            if (p == null) {
                return PeerIdentity.ANONYMOUS; // no handshake yet, or none at all: looked up again next time
            }
            peer = p;
        }
        return p;
    }

    /**
     * The client's IP address as text (no port), for X-Forwarded-For and the access log: the PROXY protocol's
     * source on a {@code proxy-protocol} listener, else the socket's peer.
     */
    public String remoteAddress() {
        if (remoteAddress == null) {
            // stable once a request arrives: a PROXY header is read before any byte of HTTP
            remoteAddress = ClientAddress.host(channel);
        }
        return remoteAddress;
    }

    /** The negotiated TLS version ({@code TLSv1.3}); null on a plain listener. */
    public String tlsVersion() {
        readTlsFacts();
        return tlsVersion;
    }

    /** The negotiated cipher suite; null on a plain listener. */
    public String cipher() {
        readTlsFacts();
        return cipher;
    }

    private void readTlsFacts() {
        if (secure && tlsVersion == null) {
            SslHandler ssl = channel.pipeline().get(SslHandler.class);
            if (ssl != null) { // fixed once the handshake is done, which it is before any request
                SSLSession session = ssl.engine().getSession();
                tlsVersion = session.getProtocol();
                cipher = session.getCipherSuite();
            }
        }
    }

    /** The AWS VPC endpoint the connection came through (PrivateLink), or null. */
    public String awsVpceId() {
        return ClientAddress.awsVpceId(channel);
    }

    /**
     * {@code element(peer())}, computed once for the connection's identity: the identity is set once per handshake,
     * and a new identity object (never the case today) would be formatted anew.
     */
    public String clientCertElement(Function<PeerIdentity, String> element) {
        PeerIdentity peer = peer();
        if (peer != certElementOf) {
            certElement = element.apply(peer);
            certElementOf = peer;
        }
        return certElement;
    }
}
