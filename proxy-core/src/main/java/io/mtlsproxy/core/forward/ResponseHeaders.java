package io.mtlsproxy.core.forward;

import io.mtlsproxy.core.routing.Route;
import io.mtlsproxy.core.rules.HeaderEdits;
import io.mtlsproxy.core.trace.RequestIds;
import io.netty.handler.codec.http.HttpHeaders;

/** An origin's response head as the client gets it: the route's response header rules, then the request ID. */
final class ResponseHeaders {
    private ResponseHeaders() {}

    static void apply(HttpHeaders headers, Route route, RequestLog log, RequestIds ids) {
        HeaderEdits rules = route.rules().response();
        if (!rules.isEmpty()) { // most routes have none: not even the client's identity is looked up then
            rules.apply(headers, log.peer(), log.requestId());
        }
        if (log.requestId() != null) {
            headers.set(ids.header(), log.requestId());
        }
    }
}
