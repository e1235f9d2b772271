package io.mtlsproxy.bench.load;

/**
 * Failed requests and connection attempts by kind. {@code status}: an answer outside 2xx; {@code body}: a body
 * of the wrong length or a malformed answer; {@code reset}: the connection closed under a request;
 * {@code timeout}: no full answer within the request timeout (or never sent before the run ended);
 * {@code connect}: TCP connect failed; {@code tls}: the handshake failed (or, HTTP/2, ALPN did not choose h2);
 * {@code goaway}: HTTP/2, the peer sent GOAWAY during the run (the streams it cut off count as {@code reset}; for
 * HTTP/2 {@code reset} also counts the streams the peer reset with RST_STREAM).
 */
public record ErrorCounts(long status, long body, long reset, long timeout, long connect, long tls, long goaway) {
    public static final ErrorCounts NONE = new ErrorCounts(0, 0, 0, 0, 0, 0, 0);

    /** Without the HTTP/2-only kind. */
    public ErrorCounts(long status, long body, long reset, long timeout, long connect, long tls) {
        this(status, body, reset, timeout, connect, tls, 0);
    }

    public long total() {
        return status + body + reset + timeout + connect + tls + goaway;
    }

    public ErrorCounts plus(ErrorCounts o) {
        return new ErrorCounts(
                status + o.status,
                body + o.body,
                reset + o.reset,
                timeout + o.timeout,
                connect + o.connect,
                tls + o.tls,
                goaway + o.goaway);
    }

    /** {@code reset=2 timeout=1}, or {@code none}. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        append(b, "status", status);
        append(b, "body", body);
        append(b, "reset", reset);
        append(b, "timeout", timeout);
        append(b, "connect", connect);
        append(b, "tls", tls);
        append(b, "goaway", goaway);
        return b.length() == 0 ? "none" : b.toString();
    }

    private static void append(StringBuilder b, String name, long n) {
        if (n > 0) {
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(name).append('=').append(n);
        }
    }

    /** Mutable counterpart, owned by one event loop. */
    static final class Counter {
        long status;
        long body;
        long reset;
        long timeout;
        long connect;
        long tls;
        long goaway;

        ErrorCounts snapshot() {
            return new ErrorCounts(status, body, reset, timeout, connect, tls, goaway);
        }
    }
}
