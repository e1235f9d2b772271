package io.mtlsproxy.core.net;

import io.netty.channel.ChannelFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUringServerSocketChannel;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * The address a listener (or the admin endpoint) binds, exactly as configured. Netty and the JDK open IPv6 sockets
 * by default and turn {@code 0.0.0.0} into {@code ::}, which also accepts IPv6: an IPv4 address gets an IPv4
 * socket here, so {@code "0.0.0.0"} is every IPv4 address only, while {@code "::"} stays dual-stack.
 * Resolving a host name may ask DNS: call this at start-up, never on an event loop.
 */
public record BindAddress(InetSocketAddress address) {
    public static BindAddress of(String host, int port) throws UnknownHostException {
        return new BindAddress(new InetSocketAddress(InetAddress.getByName(host), port));
    }

    public SocketProtocolFamily family() {
        return address.getAddress() instanceof Inet4Address ? SocketProtocolFamily.INET : SocketProtocolFamily.INET6;
    }

    /**
     * Why {@code serverChannelClass} cannot bind this address exactly as configured, or null when it can. Netty's
     * io_uring socket is always IPv6 (it takes no family) and Netty binds the IPv4 wildcard on it as {@code ::},
     * which also accepts IPv6 and takes the port from every other IPv6 listener: {@code "0.0.0.0"} would no longer
     * mean every IPv4 address only.
     */
    public String cannotBindWith(Class<? extends ServerChannel> serverChannelClass) {
        if (IoUringServerSocketChannel.class.isAssignableFrom(serverChannelClass)
                && address.getAddress() instanceof Inet4Address v4
                && v4.isAnyLocalAddress()) {
            return "0.0.0.0 (every IPv4 address, IPv4 only) cannot be bound with the io_uring transport, which binds"
                    + " it as :: (IPv6 too): bind \"::\" for both, a specific address, or leave -D"
                    + "mtlsproxy.transport unset (epoll)";
        }
        return null;
    }

    /**
     * A server socket of the address's family, for the epoll or the NIO transport; for io_uring, Netty's socket (IPv6,
     * see {@link #cannotBindWith}).
     */
    public ChannelFactory<ServerChannel> channelFactory(Class<? extends ServerChannel> serverChannelClass) {
        SocketProtocolFamily family = family();
        if (EpollServerSocketChannel.class.isAssignableFrom(serverChannelClass)) {
            return () -> new EpollServerSocketChannel(family);
        }
        if (IoUringServerSocketChannel.class.isAssignableFrom(serverChannelClass)) {
            return IoUringServerSocketChannel::new;
        }
        return () -> new NioServerSocketChannel(java.nio.channels.spi.SelectorProvider.provider(), family);
    }
}
