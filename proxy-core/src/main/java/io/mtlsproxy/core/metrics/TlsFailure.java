package io.mtlsproxy.core.metrics;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.identity.TlsFailureReason;
import java.time.Instant;

/**
 * One failed handshake as /tls/failures shows it. {@code name} is the listener (inbound) or route (upstream);
 * {@code sni} and {@code peerSubject} are null when unknown. {@code clockSkewSeconds}, for {@code expired} and
 * {@code not_yet_valid} only: how far off the proxy's clock would have to be for the certificate to pass.
 */
public record TlsFailure(
        Instant time,
        ProxyMetrics.Side side,
        String name,
        String remoteAddress,
        String sni,
        TlsFailureReason reason,
        String detail,
        String peerSubject,
        Long clockSkewSeconds) {
    public TlsFailure {
        requireNonNull(time, "time");
        requireNonNull(side, "side");
        requireNonNull(name, "name");
        requireNonNull(reason, "reason");
    }

    /** A connection a listener refused before any handshake began: no SNI, no peer, nothing to measure. */
    public static TlsFailure beforeHandshake(
            String listener, String remoteAddress, TlsFailureReason reason, String detail) {
        return new TlsFailure(
                Instant.now(), ProxyMetrics.Side.INBOUND, listener, remoteAddress, null, reason, detail, null, null);
    }
}
