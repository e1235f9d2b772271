package io.mtlsproxy.core;

import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.TlsMode;
import io.mtlsproxy.core.forward.DrainEvent;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's sockets: one listening socket per listener and every client connection they accepted. A drain and a
 * close act on both; a reload walks the connections for revoked clients. Blocking methods are for the main, signal
 * or admin threads, never an event loop.
 */
final class ListenerSockets {
    // under the server's name, as its bind and drain lines always were: operators' log filters know that one
    private static final Logger LOG = LoggerFactory.getLogger(ProxyServer.class);

    private final Map<String, Channel> listening = new LinkedHashMap<>();
    // stays closed once closed: a connection accepted just before its listener closed is closed as it arrives
    private final ChannelGroup connections =
            new DefaultChannelGroup("client-connections", GlobalEventExecutor.INSTANCE, true);

    /** Binds {@code lc}'s socket with {@code bootstrap}, whose children must be {@link #accepted}. */
    void bind(ListenerConfig lc, ServerBootstrap bootstrap, InetSocketAddress address) throws IOException {
        var future = bootstrap.bind(address).awaitUninterruptibly();
        if (!future.isSuccess()) {
            throw new IOException(
                    "listener " + lc.name() + ": cannot bind " + lc.bind() + ":" + lc.port() + ": "
                            + future.cause().getMessage(),
                    future.cause());
        }
        Channel ch = future.channel();
        listening.put(lc.name(), ch);
        LOG.info(
                "listener {} bound on {} (tls {}{})",
                lc.name(),
                ch.localAddress(),
                lc.tls().mode().configName(),
                lc.tls().mode() == TlsMode.MTLS
                        ? ", client-auth " + lc.tls().clientAuth().name().toLowerCase(Locale.ROOT)
                        : "");
    }

    /** Tracks a new client connection until it closes. */
    void accepted(Channel connection) {
        connections.add(connection);
    }

    /** Every open client connection. */
    ChannelGroup connections() {
        return connections;
    }

    /** The port a listener is bound to (the real one when the configuration said 0). */
    int port(String listener) {
        Channel ch = listening.get(listener);
        if (ch == null) {
            throw new IllegalArgumentException("no bound listener " + listener);
        }
        return ((InetSocketAddress) ch.localAddress()).getPort();
    }

    /**
     * Stops accepting, asks every connection to finish what it is doing and close, and waits up to {@code grace};
     * whatever is left then is closed. Returns true when everything finished in time.
     */
    boolean drain(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        LOG.info("draining: {} open connection(s), grace {} s", connections.size(), grace.toSeconds());
        for (Channel ch : listening.values()) {
            ch.close().awaitUninterruptibly();
        }
        for (Channel ch : connections) {
            ch.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
        }
        while (!connections.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        boolean clean = connections.isEmpty();
        if (!clean) {
            LOG.warn("drain: grace over, closing {} connection(s) still busy", connections.size());
            connections.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
        LOG.info("drained{}", clean ? "" : " (with connections cut off)");
        return clean;
    }

    /**
     * Closes every socket at once, and waits (up to a second) until the connections are closed: the event loops
     * stop next, and a channel that only their shutdown closes may never run its pipeline's teardown.
     */
    void close() {
        for (Channel ch : listening.values()) {
            ch.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
        connections.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
    }
}
