package io.mtlsproxy.core.forward;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.routing.Route;
import io.mtlsproxy.core.upstream.UpstreamAttempt;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpRequest;

/**
 * A request admission let through, with what carrying it to its origin takes, whether an {@link Exchange} or a
 * {@link WebSocketTunnel} carries it: the handler that answers on the client connection, that connection's
 * context, the server, the route, the request as the origin gets it and its access-log entry.
 */
record ForwardedRequest(
        HttpProxyHandler owner,
        ChannelHandlerContext ctx,
        ForwardingContext fc,
        Route route,
        HttpRequest request,
        RequestLog log) {
    ForwardedRequest {
        requireNonNull(owner, "owner");
        requireNonNull(ctx, "ctx");
        requireNonNull(fc, "fc");
        requireNonNull(route, "route");
        requireNonNull(request, "request");
        requireNonNull(log, "log");
    }

    /** The way to one of the route's origins, on the client connection's event loop. */
    UpstreamAttempt newAttempt() {
        return new UpstreamAttempt(
                fc.pools(), route.upstream(), fc.metrics(), ctx.channel().eventLoop());
    }

    /** Writes the request's access-log entry and counts it. */
    void finishLog() {
        log.finish(fc.metrics(), fc.accessLog());
    }
}
