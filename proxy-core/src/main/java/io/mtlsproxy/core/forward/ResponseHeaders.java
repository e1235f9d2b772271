package io.mtlsproxy.core.forward;

import io.mtlsproxy.core.routing.Route;
import io.mtlsproxy.core.trace.RequestIds;
import io.netty.handler.codec.http.HttpHeaders;

/** An origin's response head as the client gets it: the route's response header rules, then the request ID. */
final class ResponseHeaders {
    private ResponseHeaders() {}

    static void apply(HttpHeaders headers, Route route, RequestLog log, RequestIds ids) {
        route.rules().response().apply(headers, log.peer(), log.requestId());
        if (log.requestId() != null) {
            headers.set(ids.header(), log.requestId());
        }
    }
}
