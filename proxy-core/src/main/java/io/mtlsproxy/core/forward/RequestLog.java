package io.mtlsproxy.core.forward;

import io.mtlsproxy.core.identity.PeerIdentity;
import io.mtlsproxy.core.inbound.InboundConnection;
import io.mtlsproxy.core.metrics.AccessLog;
import io.mtlsproxy.core.metrics.AccessLogEntry;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.upstream.UpstreamAttempt;
import io.mtlsproxy.core.upstream.UpstreamFailure;
import java.time.Instant;
import java.util.List;

/** One request's record: counted in the metrics and written to the access log exactly once, when it ends. */
final class RequestLog {
    private final long startNanos = System.nanoTime();
    private final InboundConnection conn;
    private final String method;
    private final String path;
    private String route = "-";
    private String upstream;
    private long bytesIn;
    private long bytesOut;
    private int status;
    private String reason;
    private boolean done;
    private CharSequence requestId;
    private String userAgent;
    private UpstreamAttempt attempt;
    /** System.nanoTime() stamps of the upstream's steps; 0 until reached */
    private long connectingAt;

    private long connectedAt;
    private long respondedAt;

    RequestLog(InboundConnection conn, String method, String uri) {
        this.conn = conn;
        this.method = method;
        int q = uri.indexOf('?');
        // the query may carry secrets (tokens, signatures): the log keeps the path only
        this.path = q < 0 ? uri : uri.substring(0, q);
    }

    /** Picks the endpoint of {@code attempt} and notes it; the failure to answer with when none is healthy. */
    UpstreamFailure pick(UpstreamAttempt attempt) {
        this.attempt = attempt;
        UpstreamFailure none = attempt.pick();
        if (none == null) {
            upstream(attempt.endpoint().toString());
        }
        return none;
    }

    /** The request's ID and the client's User-Agent (null when it sent none). */
    void request(CharSequence id, String userAgent) {
        this.requestId = id;
        this.userAgent = userAgent;
    }

    CharSequence requestId() {
        return requestId;
    }

    /** The client's certificate identity, for header rules that name it. */
    PeerIdentity peer() {
        return conn.peer();
    }

    /** An origin connection is asked for (again, on a retry). */
    void connecting() {
        connectingAt = System.nanoTime();
        connectedAt = 0;
    }

    /** The origin connection is there; the request goes out. */
    void connected() {
        connectedAt = System.nanoTime();
    }

    /** The origin's response head arrived. */
    void responded() {
        respondedAt = System.nanoTime();
    }

    void route(String name) {
        this.route = name;
    }

    String route() {
        return route;
    }

    void upstream(String endpoint) {
        this.upstream = endpoint;
    }

    void addBytesIn(long n) {
        bytesIn += n;
    }

    void addBytesOut(long n) {
        bytesOut += n;
    }

    void status(int status) {
        this.status = status;
    }

    /** Why the proxy answered itself, or a note such as a report-only denial. */
    void reason(String reason) {
        this.reason = this.reason == null ? reason : this.reason + "; " + reason;
    }

    boolean done() {
        return done;
    }

    void finish(ProxyMetrics metrics, AccessLog accessLog) {
        if (done) {
            return;
        }
        done = true;
        long nanos = System.nanoTime() - startNanos;
        metrics.requestCompleted(conn.listener(), route, status, nanos);
        if (accessLog.enabled()) {
            PeerIdentity peer = conn.peer();
            accessLog.log(new AccessLogEntry(
                    Instant.now(),
                    conn.listener(),
                    route,
                    conn.remoteAddress(),
                    method,
                    path,
                    status,
                    bytesIn,
                    bytesOut,
                    nanos / 1000,
                    upstream,
                    peer.subject(),
                    peer.presented() ? peer.uriSans() : List.of(),
                    peer.sha256(),
                    peer.issuer(),
                    peer.serial(),
                    reason,
                    conn.awsVpceId(),
                    requestId == null ? null : requestId.toString(),
                    userAgent,
                    conn.tlsVersion(),
                    conn.cipher(),
                    conn.sni(),
                    micros(connectingAt, connectedAt),
                    micros(connectedAt, respondedAt),
                    attempt != null && attempt.retried() ? 1 : 0));
        }
    }

    /** Microseconds from one stamp to the next, -1 when either step was not reached. */
    private static long micros(long from, long to) {
        return from == 0 || to == 0 ? -1 : (to - from) / 1000;
    }
}
