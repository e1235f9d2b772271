package io.mtlsproxy.core.forward;

import io.mtlsproxy.core.admission.Admission;
import io.mtlsproxy.core.admission.Verdict;
import io.mtlsproxy.core.inbound.InboundConnection;
import io.mtlsproxy.core.inbound.Listener;
import io.mtlsproxy.core.routing.Route;
import io.mtlsproxy.core.routing.Router;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;

/**
 * What happens to a request head, whichever protocol brought it: refused as malformed, answered by the proxy
 * (listener gone, bad target, admission's answer, a head that cannot be forwarded) or forwarded to its route's
 * origin, with its access-log entry, request ID and the origin's view of it ({@link OriginRequest}). HTTP/1.1
 * connections and HTTP/2 streams both start their requests here, so routing, identity policy, XFCC, the access log
 * and the metrics stay in one place.
 */
final class RequestStart {
    private RequestStart() {}

    /**
     * Starts {@code req} from {@code client}. {@code keepAlive} is whether the client wants its connection kept
     * open; {@code hasBody} whether a body follows the head (false for a malformed head, whose framing headers mean
     * nothing).
     */
    static void start(ClientEnd client, HttpRequest req, boolean keepAlive, boolean hasBody) {
        InboundConnection conn = client.connection();
        ForwardingContext fc = client.fc();
        RequestLog log = new RequestLog(conn, req.method().name(), req.uri());
        if (req.decoderResult().isFailure()) {
            HeadRefusal refused = HeadRefusal.malformed(req.decoderResult().cause());
            ReferenceCountUtil.release(req);
            client.answer(log, refused.status(), refused.reason(), true);
            return;
        }
        log.request(fc.requestIds().idFor(req.headers()), req.headers().get(HttpHeaderNames.USER_AGENT));
        Listener listener = fc.listener(client.listenerName());
        if (listener == null) {
            client.answer(log, 503, "listener " + client.listenerName() + " is being removed", true);
            return;
        }
        RequestTarget target;
        try {
            target = RequestTarget.of(req);
        } catch (RequestTarget.Rejected r) {
            client.answer(log, r.status, r.getMessage(), true);
            return;
        }
        Verdict verdict =
                Admission.http(listener, conn, Router.normalizeHost(target.host()), target.path(), fc.metrics());
        if (verdict instanceof Verdict.Answer a) {
            log.route(a.route() == null ? "-" : a.route().name());
            client.answer(log, a.status(), a.reason(), false, a.retryAfter());
            return;
        }
        Verdict.Forward forward = (Verdict.Forward) verdict;
        Route route = forward.route();
        log.route(route.name());
        if (forward.note() != null) {
            log.reason(forward.note()); // a report-only denial
        }
        long maxBody = listener.config().limits().maxBodySize();
        HeadRefusal refused = HeadRefusal.unforwardable(req, maxBody);
        if (refused != null) {
            client.answer(log, refused.status(), refused.reason(), true);
            return;
        }
        // 100-continue is answered by the proxy once the origin connection is up (as Envoy does)
        boolean expectContinue = req.headers().contains(HttpHeaderNames.EXPECT)
                && req.protocolVersion().equals(HttpVersion.HTTP_1_1);
        req.headers().remove(HttpHeaderNames.EXPECT); // the origin never sees it
        boolean websocket = WebSocketTunnel.requested(req);
        HttpRequest upstreamRequest =
                OriginRequest.of(req, target, route, conn, !hasBody && !websocket, fc.requestIds(), log.requestId());
        ForwardedRequest forwarded = new ForwardedRequest(client, fc, route, upstreamRequest, log);
        if (websocket) {
            client.tunnel(forwarded);
            return;
        }
        boolean http10 = req.protocolVersion().equals(HttpVersion.HTTP_1_0);
        var side = new ClientSide(keepAlive, http10, HttpMethod.HEAD.equals(req.method()), expectContinue);
        Exchange exchange = new Exchange(forwarded, side, maxBody, client.responseTimeout());
        client.forwarding(exchange);
        exchange.start();
    }
}
