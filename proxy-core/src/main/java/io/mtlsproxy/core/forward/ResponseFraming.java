package io.mtlsproxy.core.forward;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Turns an origin's response head into the client's: the origin's hop-by-hop headers go, the body keeps its
 * Content-Length or is re-chunked for the client (a close-delimited body too, so the client connection survives
 * it), and keep-alive is decided by the client's wishes and the proxy's state, never by the origin's.
 */
final class ResponseFraming {
    /** What the head implies: whether the client connection must close, and whether the origin's may be reused. */
    record Outcome(boolean closeClient, boolean originReusable) {}

    private ResponseFraming() {}

    static Outcome apply(HttpResponse resp, ClientSide client, boolean closeRequested) {
        int code = resp.status().code();
        boolean chunked = HttpUtil.isTransferEncodingChunked(resp);
        boolean hasLength = resp.headers().contains(HttpHeaderNames.CONTENT_LENGTH);
        boolean originReusable = HttpUtil.isKeepAlive(resp);
        boolean closeClient = !client.keepAlive() || closeRequested;
        HopByHop.strip(resp.headers());
        boolean bodyless = client.head() || code == 204 || code == 304;
        if (!bodyless && !hasLength) {
            if (!chunked) {
                originReusable = false; // delimited by the origin closing the connection
            }
            if (client.http10()) {
                closeClient = true; // an HTTP/1.0 client only knows close-delimited bodies
            } else {
                HttpUtil.setTransferEncodingChunked(resp, true);
            }
        }
        if (closeClient) {
            resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (client.http10()) {
            resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        resp.setProtocolVersion(HttpVersion.HTTP_1_1);
        return new Outcome(closeClient, originReusable);
    }
}
