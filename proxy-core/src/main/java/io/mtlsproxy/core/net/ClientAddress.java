package io.mtlsproxy.core.net;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * The address of the client a connection serves. Usually the socket's peer; behind a load balancer that speaks the
 * PROXY protocol (a listener with {@code proxy-protocol = true}), the client address the header named. Everything
 * that reports a client address (access log, X-Forwarded-For, /tls/failures, limits) reads it here, so that it is
 * the same everywhere.
 */
public final class ClientAddress {
    /** Set once, by the PROXY protocol reader, before the TLS handshake; absent on other listeners. */
    public static final AttributeKey<InetSocketAddress> PROXIED = AttributeKey.valueOf("mtls-proxy.proxied-client");
    /** The AWS VPC endpoint ID of a PrivateLink connection (PROXY v2 TLV 0xEA), set with PROXIED. */
    public static final AttributeKey<String> AWS_VPCE_ID = AttributeKey.valueOf("mtls-proxy.aws-vpce-id");

    private ClientAddress() {}

    /** The client's address: the PROXY header's source when one was read, else the socket's peer. */
    public static SocketAddress of(Channel channel) {
        InetSocketAddress proxied = channel.attr(PROXIED).get();
        return proxied != null ? proxied : channel.remoteAddress();
    }

    /** The VPC endpoint the connection came through, or null (no PROXY header, or not through PrivateLink). */
    public static String awsVpceId(Channel channel) {
        return channel.attr(AWS_VPCE_ID).get();
    }

    /** The client's IP address as text, without port (X-Forwarded-For, access log). */
    public static String host(Channel channel) {
        SocketAddress a = of(channel);
        if (a instanceof InetSocketAddress inet) {
            return inet.getAddress() == null
                    ? inet.getHostString()
                    : inet.getAddress().getHostAddress();
        }
        return String.valueOf(a);
    }

    /** {@code 203.0.113.7:51234} ({@code [2001:db8::1]:51234}), without the JDK's leading slash. */
    public static String hostAndPort(Channel channel) {
        SocketAddress a = of(channel);
        if (a instanceof InetSocketAddress inet && inet.getAddress() != null) {
            String host = inet.getAddress().getHostAddress();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        return a == null ? null : a.toString();
    }
}
