package io.mtlsproxy.core;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.Locale;

/**
 * The socket transport: native epoll when it loads, Java NIO otherwise, or io_uring when asked for
 * ({@code -Dmtlsproxy.transport=io_uring} in {@code MTLS_PROXY_JAVA_OPTS}). Inbound and upstream channels share one
 * transport, so that an upstream channel can live on its inbound channel's event loop.
 * <p>
 * io_uring takes a loop pass's reads and writes in one submission instead of a system call each: on the bench machine
 * (a VM, where a system call is dear) a third less CPU per keep-alive request (docs/bench.md, "The transport"). It is
 * not the default because Netty's io_uring sockets cannot bind {@code 0.0.0.0} as IPv4 only (they bind it as
 * {@code ::}), which is what a listener's {@code bind = "0.0.0.0"} promises; such a listener is refused under io_uring
 * ({@link io.mtlsproxy.core.net.BindAddress#cannotBindWith}). Containers whose seccomp profile refuses io_uring
 * (Docker's default) cannot use it at all.
 */
public final class Transport {
    /** The system property that names a transport instead of the best available one. */
    public static final String PROPERTY = "mtlsproxy.transport";

    private final String name;
    private final IoHandlerFactory ioHandlerFactory;
    private final Class<? extends ServerChannel> serverChannelClass;
    private final Class<? extends Channel> channelClass;

    private Transport(
            String name,
            IoHandlerFactory ioHandlerFactory,
            Class<? extends ServerChannel> serverChannelClass,
            Class<? extends Channel> channelClass) {
        this.name = name;
        this.ioHandlerFactory = ioHandlerFactory;
        this.serverChannelClass = serverChannelClass;
        this.channelClass = channelClass;
    }

    /** The transport {@value #PROPERTY} names, else epoll when available, else NIO. */
    public static Transport best() {
        String asked = System.getProperty(PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        return switch (asked) {
            case "io_uring" -> ioUring();
            case "epoll" -> epoll();
            case "nio" -> nio();
            case "" -> Epoll.isAvailable() ? epoll() : nio();
            default ->
                throw new IllegalArgumentException("-D" + PROPERTY + "=" + asked + ": expected io_uring, epoll or nio");
        };
    }

    public static Transport ioUring() {
        IoUring.ensureAvailability();
        return new Transport(
                "io_uring",
                IoUringIoHandler.newFactory(),
                IoUringServerSocketChannel.class,
                IoUringSocketChannel.class);
    }

    public static Transport epoll() {
        Epoll.ensureAvailability();
        return new Transport(
                "epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class, EpollSocketChannel.class);
    }

    public static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    }

    /** A group of {@code threads} event loops (0: Netty's default, twice the cores) named {@code prefix-N}. */
    public EventLoopGroup newGroup(int threads, String prefix) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(prefix, true), ioHandlerFactory);
    }

    public Class<? extends ServerChannel> serverChannelClass() {
        return serverChannelClass;
    }

    public Class<? extends Channel> channelClass() {
        return channelClass;
    }

    /** For the start-up log: {@code epoll}, or {@code nio} with the reason epoll did not load. */
    public String describe() {
        if (!name.equals("nio") || Epoll.isAvailable()) {
            return name;
        }
        return name + " (epoll unavailable: " + reason(Epoll.unavailabilityCause()) + ")";
    }

    private static String reason(Throwable cause) {
        return cause == null ? "unknown" : cause.getMessage();
    }

    public String name() {
        return name;
    }
}
