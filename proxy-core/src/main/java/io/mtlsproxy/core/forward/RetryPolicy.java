package io.mtlsproxy.core.forward;

import io.mtlsproxy.config.Retries;
import io.mtlsproxy.config.RetryOn;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import java.util.Set;

/**
 * Which requests the proxy may send a second time on its own. A request without a body can always be repeated;
 * one with a body only when its {@link RetryBuffer} holds all of it (and an upgrade is a conversation, not a
 * request). The route's {@code retries} then say after which failures and for which methods; a pooled connection
 * that turns out to have been closed by the origin while it sat idle is retried once on a new connection for an
 * idempotent method (RFC 9110 §9.2.2), whatever the route says.
 */
final class RetryPolicy {
    /** Retries that happen only before anything was sent: no body copy is needed for them. */
    static final Set<RetryOn> CONNECT_FAILURE_ONLY = Set.of(RetryOn.CONNECT_FAILURE);

    private RetryPolicy() {}

    /** No body to replay and no upgrade: the request can go out again as it is. */
    static boolean repeatable(HttpRequest request) {
        return !HttpUtil.isTransferEncodingChunked(request)
                && HttpUtil.getContentLength(request, 0L) == 0
                && !request.headers().contains(HttpHeaderNames.UPGRADE);
    }

    /** Idempotent: safe to send again after a stale pooled connection, if it can be sent again at all. */
    static boolean idempotent(HttpRequest request) {
        return Retries.IDEMPOTENT_METHODS.contains(request.method().name());
    }
}
