package io.mtlsproxy.core.forward;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import java.util.Set;

/**
 * Which requests the proxy may send a second time on its own: idempotent methods (RFC 9110 §9.2.2) without a body.
 * Only those can be repeated without the origin acting twice, and without a body nothing has to be kept in memory
 * to send it again. A retry happens at most once per request, and only when no response byte has reached the
 * client: after a failed connect or origin handshake (on another endpoint), or when a pooled connection turns out
 * to have been closed by the origin while it sat idle.
 */
final class RetryPolicy {
    private static final Set<HttpMethod> IDEMPOTENT = Set.of(
            HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS, HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.TRACE);

    private RetryPolicy() {}

    static boolean mayRetry(HttpRequest request) {
        return IDEMPOTENT.contains(request.method())
                && !HttpUtil.isTransferEncodingChunked(request)
                && HttpUtil.getContentLength(request, 0L) == 0
                && !request.headers().contains(HttpHeaderNames.UPGRADE);
    }
}
