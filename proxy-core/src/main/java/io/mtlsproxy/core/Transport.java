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
 * The socket transport: io_uring where the kernel allows it, else native epoll, else Java NIO. Inbound and upstream
 * channels share one transport, so that an upstream channel can live on its inbound channel's event loop.
 * <p>
 * Why io_uring first: a keep-alive request costs the proxy a read and a write on each of two sockets, and with epoll
 * each is a system call of its own, plus the wait. io_uring hands the loop's reads and writes to the kernel in one
 * submission per pass and takes their results from a shared ring. On the bench machine (a VM, where a system call
 * is dear) that is a third less CPU per keep-alive request (docs/bench.md, "The transport"). Containers whose
 * seccomp profile refuses io_uring (Docker's default since 2023) and kernels without it get epoll, as before;
 * {@code -Dmtlsproxy.transport=epoll} (or {@code nio}) in {@code MTLS_PROXY_JAVA_OPTS} chooses one.
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

    /** The transport {@value #PROPERTY} names, else io_uring when available, else epoll, else NIO. */
    public static Transport best() {
        String asked = System.getProperty(PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        switch (asked) {
            case "io_uring" -> {
                return ioUring();
            }
            case "epoll" -> {
                return epoll();
            }
            case "nio" -> {
                return nio();
            }
            case "" -> {
                // the best available, below
            }
            default ->
                throw new IllegalArgumentException("-D" + PROPERTY + "=" + asked + ": expected io_uring, epoll or nio");
        }
        if (IoUring.isAvailable()) {
            return ioUring();
        }
        return Epoll.isAvailable() ? epoll() : nio();
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

    /** For the start-up log: the name, and why the better transports did not load when it is not io_uring. */
    public String describe() {
        if (name.equals("io_uring") || !System.getProperty(PROPERTY, "").isBlank()) {
            return name;
        }
        StringBuilder why = new StringBuilder(name)
                .append(" (io_uring unavailable: ")
                .append(reason(IoUring.unavailabilityCause()));
        if (name.equals("nio")) {
            why.append("; epoll unavailable: ").append(reason(Epoll.unavailabilityCause()));
        }
        return why.append(')').toString();
    }

    private static String reason(Throwable cause) {
        return cause == null ? "unknown" : cause.getMessage();
    }

    public String name() {
        return name;
    }
}
