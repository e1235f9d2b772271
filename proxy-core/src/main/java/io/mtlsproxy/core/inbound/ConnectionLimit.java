package io.mtlsproxy.core.inbound;

import static java.util.Objects.requireNonNull;

import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A listener's {@code max-connections}: a connection past the limit is closed at once, before any TLS work is
 * spent on it. So is any new connection while the heap is nearly full of live objects ({@link HeapPressure}). The
 * counter is the listener's {@code mtls_proxy_active_connections} gauge; the limit is the one of the snapshot the
 * connection was accepted under, so a reload applies to new connections. It is asked while the connection's pipeline is built, not as a handler of
 * its own: a handler added and removed again for every connection was set-up work of every handshake.
 */
public final class ConnectionLimit {
    private final AtomicInteger active;

    public ConnectionLimit(AtomicInteger active) {
        this.active = requireNonNull(active, "active");
    }

    /**
     * Counts an accepted connection until it closes and returns true, or returns false (the caller closes it) when
     * the listener has {@code maxConnections} already or the heap is nearly full of live connections: one more could
     * cost all of them.
     */
    public boolean admit(Channel connection, int maxConnections) {
        if (HeapPressure.high()) {
            return false;
        }
        if (active.incrementAndGet() > maxConnections) {
            active.decrementAndGet();
            return false;
        }
        connection.closeFuture().addListener(f -> active.decrementAndGet());
        return true;
    }
}
