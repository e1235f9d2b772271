package io.mtlsproxy.core.metrics;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * One failed handshake as /tls/failures shows it. {@code name} is the listener (inbound) or route (upstream);
 * {@code sni} and {@code peerSubject} are null when unknown.
 */
public record TlsFailure(Instant time, ProxyMetrics.Side side, String name, String remoteAddress, String sni,
                         TlsFailureReason reason, String detail, String peerSubject) {
    public TlsFailure {
        requireNonNull(time, "time");
        requireNonNull(side, "side");
        requireNonNull(name, "name");
        requireNonNull(reason, "reason");
    }
}
