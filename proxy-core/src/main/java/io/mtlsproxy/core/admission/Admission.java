package io.mtlsproxy.core.admission;

import io.mtlsproxy.config.TlsMode;
import io.mtlsproxy.core.inbound.InboundConnection;
import io.mtlsproxy.core.inbound.Listener;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.routing.Route;
import java.util.List;

/**
 * The one security decision of the data path: which route a request goes to and whether this client may use it.
 * HTTP/1 requests and HTTP/2 streams ({@code RequestStart}) and TCP relays ({@code TcpProxy}) all ask here,
 * with the connection's verified identity, its SNI and listener, and for HTTP the request's host and path. In
 * order: the SNI must name the Host on an mTLS listener with sni-host-check (421), a route must match (404), then
 * every {@link RouteGate} of the route must pass (the identity policy: 403/495/496, or a note when report-only;
 * then the rate limit: 429).
 * Stateless and non-blocking: called on the event loops.
 */
public final class Admission {
    /** The per-route gates, in order; the first that denies answers. */
    static final List<RouteGate> GATES = List.of(new IdentityGate(), new RateLimitGate());

    private Admission() {}

    /** An HTTP request for {@code host} (normalized) and {@code path} on {@code listener}. */
    public static Verdict http(
            Listener listener, InboundConnection conn, String host, String path, ProxyMetrics metrics) {
        String sni = conn.sni();
        if (listener.mode() == TlsMode.MTLS
                && listener.config().tls().sniHostCheck()
                && sni != null
                && !sni.equals(host)) {
            return new Verdict.Answer(421, "Host " + host + " does not match the TLS server name " + sni, null);
        }
        Route route = listener.router().route(host, path);
        if (route == null) {
            return new Verdict.Answer(404, "no route for " + host + path, null);
        }
        return gates(route, conn, metrics);
    }

    /**
     * The {@code protocol = tcp} route a connection with this SNI (null: none sent) belongs to, or null when it
     * is not a TCP connection (then it is HTTP, and each request is admitted on its own).
     */
    public static Route tcpRoute(Listener listener, String sni) {
        return listener.tcpRouter().route(sni == null ? "" : sni, "/");
    }

    /** A TCP connection to {@code route} (found by {@link #tcpRoute}): the route's gates. */
    public static Verdict tcp(Route route, InboundConnection conn, ProxyMetrics metrics) {
        return gates(route, conn, metrics);
    }

    private static Verdict gates(Route route, InboundConnection conn, ProxyMetrics metrics) {
        String note = null;
        for (RouteGate gate : GATES) {
            RouteGate.Check c = gate.check(route, conn, metrics);
            if (c.denies()) {
                return new Verdict.Answer(c.status(), c.reason(), route, c.retryAfter());
            }
            if (c.reason() != null) {
                note = note == null ? c.reason() : note + "; " + c.reason();
            }
        }
        return new Verdict.Forward(route, conn.peer(), note);
    }
}
