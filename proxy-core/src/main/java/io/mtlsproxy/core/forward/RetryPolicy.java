package io.mtlsproxy.core.forward;

import io.mtlsproxy.config.Retries;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Which requests the proxy may send a second time on its own. Only a request without a body can be repeated: with
 * none, nothing has to be kept in memory to send it again (and an upgrade is a conversation, not a request). The
 * route's {@code retries} then say after which failures and for which methods; a pooled connection that turns
 * out to have been closed by the origin while it sat idle is retried once on a new connection for an idempotent
 * method (RFC 9110 §9.2.2), whatever the route says.
 */
final class RetryPolicy {
    private RetryPolicy() {}

    /** No body to replay and no upgrade: the request can go out again as it is. */
    static boolean repeatable(HttpRequest request) {
        return !HttpUtil.isTransferEncodingChunked(request)
                && HttpUtil.getContentLength(request, 0L) == 0
                && !request.headers().contains(HttpHeaderNames.UPGRADE);
    }

    /** Repeatable and idempotent: safe to send again after a stale pooled connection. */
    static boolean mayRetry(HttpRequest request) {
        return Retries.IDEMPOTENT_METHODS.contains(request.method().name()) && repeatable(request);
    }
}
