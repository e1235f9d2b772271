package io.mtlsproxy.core.reload;

import io.mtlsproxy.core.forward.DrainEvent;
import io.mtlsproxy.core.identity.ClientVerification;
import io.mtlsproxy.core.identity.PeerIdentity;
import io.mtlsproxy.core.identity.TlsFailureReason;
import io.mtlsproxy.core.inbound.InboundConnection;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.tls.ServerTls;
import io.netty.channel.Channel;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After a reload: every open client connection whose certificate the listener's new trust now revokes or denies
 * is asked to close the way a drain closes it (an idle HTTP/1.1 connection at once, a busy one after its
 * in-flight response, HTTP/2 with GOAWAY). Without this a revoked client would keep its keep-alive connection
 * until it closed it. Runs on the reload thread: each check is a chain verification, never on an event loop.
 */
public final class RevokedConnections {
    private static final Logger LOG = LoggerFactory.getLogger(RevokedConnections.class);

    private RevokedConnections() {}

    /**
     * @param listeners a listener's TLS in the snapshot just swapped in, empty for a plain listener, null when the
     *                  reload removed it; only listeners with {@code close-revoked} should be answered
     * @return how many connections were asked to close
     */
    public static int close(
            Iterable<Channel> connections, Function<String, Optional<ServerTls>> listeners, ProxyMetrics metrics) {
        int closed = 0;
        for (Channel ch : connections) {
            InboundConnection conn = InboundConnection.of(ch);
            if (conn == null || !ch.isActive()) {
                continue;
            }
            PeerIdentity peer = conn.peer();
            Optional<ServerTls> tls = listeners.apply(conn.listener());
            if (!peer.presented() || !peer.verified() || tls == null || tls.isEmpty()) {
                continue;
            }
            ClientVerification.Outcome outcome = tls.get().judgeClient(conn.sni(), peer.chain());
            if (outcome.reason() == TlsFailureReason.REVOKED || outcome.reason() == TlsFailureReason.DENIED) {
                LOG.info(
                        "closing a connection of a client the reload {}: listener={} subject=\"{}\" serial={}"
                                + " remote={} ({})",
                        outcome.reason() == TlsFailureReason.REVOKED ? "revoked" : "denied",
                        conn.listener(),
                        peer.subject(),
                        peer.serial(),
                        conn.remoteAddress(),
                        outcome.error());
                metrics.revokedConnectionClosed(conn.listener(), outcome.reason());
                metrics.clients()
                        .refused(
                                conn.listener(), peer.sha256(), outcome.reason().label());
                ch.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
                closed++;
            }
        }
        return closed;
    }
}
