package io.mtlsproxy.core.upstream;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.metrics.UpstreamErrorReason;
import io.mtlsproxy.core.tls.TlsFailures;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderException;
import java.net.ConnectException;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import javax.net.ssl.SSLException;

/**
 * Why a request could not be carried to an origin: the metric reason, the status the client gets and the one-line
 * reason of that answer. Thrown as the failure of an acquire or relay.
 */
public final class UpstreamFailure extends Exception {
    private final UpstreamErrorReason reason;
    private final int status;

    public UpstreamFailure(UpstreamErrorReason reason, int status, String message, Throwable cause) {
        super(requireNonNull(message, "message"), cause, false, false);
        this.reason = reason;
        this.status = status;
    }

    /** No endpoint to try, or the connection limit reached: 503, and no upstream error is counted. */
    public static UpstreamFailure unavailable(String message) {
        return new UpstreamFailure(null, 503, message, null);
    }

    public static UpstreamFailure timeout(String message) {
        return new UpstreamFailure(UpstreamErrorReason.TIMEOUT, 504, message, null);
    }

    /** Maps a connect, handshake or I/O failure to its reason; {@code endpoint} names the origin in the message. */
    public static UpstreamFailure classify(Throwable cause, UpstreamEndpoint endpoint) {
        if (cause instanceof UpstreamFailure f) {
            return f;
        }
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        String at = " (" + endpoint + ")";
        if (root instanceof ConnectTimeoutException) {
            return new UpstreamFailure(UpstreamErrorReason.CONNECT, 502, "connect to origin timed out" + at, cause);
        }
        if (root instanceof ConnectException) {
            return new UpstreamFailure(UpstreamErrorReason.CONNECT, 502, "origin refused the connection" + at, cause);
        }
        if (root instanceof SSLException || root instanceof java.security.cert.CertificateException) {
            return new UpstreamFailure(
                    UpstreamErrorReason.TLS,
                    502,
                    "TLS handshake with origin failed" + at + ": "
                            + TlsFailures.classify(cause).label() + ": " + firstLine(TlsFailures.detail(cause)),
                    cause);
        }
        if (root instanceof SocketException || root instanceof ClosedChannelException) {
            return new UpstreamFailure(UpstreamErrorReason.RESET, 502, "origin reset the connection" + at, cause);
        }
        return new UpstreamFailure(
                UpstreamErrorReason.RESET, 502, "origin connection failed" + at + ": " + shortMessage(root), cause);
    }

    /** The origin closed the connection before the response was complete. */
    public static UpstreamFailure closed(UpstreamEndpoint endpoint) {
        return new UpstreamFailure(
                UpstreamErrorReason.RESET,
                502,
                "origin closed the connection before answering (" + endpoint + ")",
                null);
    }

    private static String shortMessage(Throwable t) {
        return t.getMessage() == null ? t.getClass().getSimpleName() : firstLine(t.getMessage());
    }

    /** Answers carry one line: a multi-line exception message is cut at its first line break. */
    private static String firstLine(String m) {
        if (m == null) {
            return "unknown";
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** The metric reason; null for a 503 that is no origin's fault. */
    public UpstreamErrorReason reason() {
        return reason;
    }

    public int status() {
        return status;
    }

    /** Whether this failure counts against the endpoint's health (passive ejection). */
    public boolean endpointFault() {
        return reason != null;
    }
}
