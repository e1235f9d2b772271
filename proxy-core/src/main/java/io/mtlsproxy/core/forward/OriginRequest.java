package io.mtlsproxy.core.forward;

import io.mtlsproxy.core.inbound.InboundConnection;
import io.mtlsproxy.core.routing.Route;
import io.mtlsproxy.core.rules.RouteRules;
import io.mtlsproxy.core.trace.RequestIds;
import io.mtlsproxy.core.trace.TraceContext;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * A client's request as the origin gets it: hop-by-hop headers gone, forwarded headers the proxy's, the route's
 * header rules and path rewrite applied, the request ID and the proxy's trace context set, HTTP/1.1. A
 * request without a body becomes one full message, so that its head and end are encoded and sent as one buffer.
 */
final class OriginRequest {
    private OriginRequest() {}

    static HttpRequest of(
            HttpRequest req,
            RequestTarget target,
            Route route,
            InboundConnection conn,
            boolean bodyless,
            RequestIds ids,
            CharSequence requestId) {
        boolean chunked = HttpUtil.isTransferEncodingChunked(req);
        HttpHeaders h = req.headers();
        HopByHop.strip(h);
        if (!target.host().equals(h.get(HttpHeaderNames.HOST))) {
            h.set(HttpHeaderNames.HOST, target.host()); // an absolute-form target's authority
        }
        ForwardedHeaders.apply(h, route.config().forwardClientCert(), conn, target.host());
        RouteRules rules = route.rules();
        if (!rules.request().isEmpty()) { // rules cannot name the headers the proxy sets here
            rules.request().apply(h, conn.peer(), requestId);
        }
        if (requestId != null) { // null: request-id.enabled = false, the proxy adds nothing of its own
            h.set(ids.header(), requestId);
            TraceContext.forward(h);
        }
        String uri = rules.rewrite() == null ? target.uri() : rules.rewrite().apply(target.uri());
        if (chunked) {
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        if (bodyless) {
            return new DefaultFullHttpRequest(
                    HttpVersion.HTTP_1_1, req.method(), uri, Unpooled.EMPTY_BUFFER, h, EmptyHttpHeaders.INSTANCE);
        }
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, req.method(), uri, h);
    }
}
