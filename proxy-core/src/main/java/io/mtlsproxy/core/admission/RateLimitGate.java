package io.mtlsproxy.core.admission;

import io.mtlsproxy.core.identity.PeerIdentity;
import io.mtlsproxy.core.inbound.InboundConnection;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.ratelimit.TokenBuckets;
import io.mtlsproxy.core.routing.Route;
import java.util.concurrent.TimeUnit;

/**
 * The route's rate limit: a token from the bucket of the request's key (its client identity, address, or the route),
 * or 429 with the seconds until the next token. For a TCP route a connection takes one token. Runs after the
 * identity gate, so a client the route refuses spends nothing.
 */
final class RateLimitGate implements RouteGate {
    @Override
    public Check check(Route route, InboundConnection conn, ProxyMetrics metrics) {
        TokenBuckets buckets = route.rules().rateLimit();
        if (buckets == null) {
            return Check.PASS;
        }
        long wait = buckets.take(key(buckets, conn), System.nanoTime());
        metrics.rateLimited(route.name(), wait > 0);
        if (wait == 0) {
            return Check.PASS;
        }
        long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(wait + 999_999_999L));
        return Check.deny(
                429, "rate limit of route " + route.name() + " reached; retry after " + seconds + " s", seconds);
    }

    /**
     * The client's bucket: the first URI SAN of a verified certificate, else its subject, else its SHA-256; a client
     * without a verified certificate is known by its address.
     */
    private static String key(TokenBuckets buckets, InboundConnection conn) {
        return switch (buckets.key()) {
            case ROUTE -> "";
            case CLIENT_ADDRESS -> conn.remoteAddress();
            case CLIENT_IDENTITY -> {
                PeerIdentity peer = conn.peer();
                if (!peer.verified()) {
                    yield conn.remoteAddress();
                }
                yield !peer.uriSans().isEmpty()
                        ? peer.uriSans().get(0)
                        : peer.subject() != null ? peer.subject() : peer.sha256();
            }
        };
    }
}
