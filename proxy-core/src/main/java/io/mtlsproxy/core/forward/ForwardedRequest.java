package io.mtlsproxy.core.forward;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.routing.Route;
import io.mtlsproxy.core.upstream.UpstreamAttempt;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;

/**
 * A request admission let through, with what carrying it to its origin takes, whether an {@link Exchange} or a
 * {@link WebSocketTunnel} carries it: the client's end that answers it, the server, the route, the request as the
 * origin gets it and its access-log entry.
 */
record ForwardedRequest(ClientEnd client, ForwardingContext fc, Route route, HttpRequest request, RequestLog log) {
    ForwardedRequest {
        requireNonNull(client, "client");
        requireNonNull(fc, "fc");
        requireNonNull(route, "route");
        requireNonNull(request, "request");
        requireNonNull(log, "log");
    }

    /** The way to one of the route's origins, on the client connection's event loop. */
    UpstreamAttempt newAttempt() {
        return new UpstreamAttempt(fc.pools(), route.upstream(), fc.metrics(), client.eventLoop());
    }

    /** The route's response header rules and the request ID, on the origin's answer before the client sees it. */
    void decorateResponse(HttpHeaders headers) {
        ResponseHeaders.apply(headers, route, log, fc.requestIds());
    }

    /** Writes the request's access-log entry and counts it. */
    void finishLog() {
        log.finish(fc.metrics(), fc.accessLog());
    }
}
