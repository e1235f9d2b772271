package io.mtlsproxy.core.clients;

import java.time.Instant;
import java.util.List;

/**
 * What the proxy knows of one client certificate on one listener, as of a {@link ClientInventory#snapshot()}.
 * Holds the certificate's facts, never the certificate itself: an entry costs a few hundred bytes.
 * {@code denials} counts requests a route's identity allow-list refused; {@code refusal} is {@code revoked} or
 * {@code denied} when the listener refused it since its last handshake, else null.
 */
public record ClientRecord(
        String listener,
        String subject,
        String issuer,
        String serial,
        String sha256,
        List<String> uriSans,
        List<String> dnsSans,
        Instant notBefore,
        Instant notAfter,
        Instant firstSeen,
        Instant lastSeen,
        long handshakes,
        long denials,
        String refusal) {
    public ClientRecord {
        uriSans = List.copyOf(uriSans);
        dnsSans = List.copyOf(dnsSans);
    }

    /** The identity of this entry: one per certificate per listener. */
    public ClientKey key() {
        return new ClientKey(listener, sha256);
    }
}
