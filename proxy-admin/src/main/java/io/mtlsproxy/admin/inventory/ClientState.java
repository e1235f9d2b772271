package io.mtlsproxy.admin.inventory;

import io.mtlsproxy.config.ExpiryConfig;
import io.mtlsproxy.core.clients.ClientRecord;
import io.mtlsproxy.core.identity.TlsFailureReason;
import io.mtlsproxy.core.tls.ExpiryState;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

/**
 * A tracked client's {@code state}, the one rule that /clients and {@code mtls_proxy_clients} share: {@code revoked}
 * or {@code denied} when the listener refused it since its last handshake (a refusal outranks the calendar), else its
 * certificate's expiry state by the thresholds of /certs.
 */
public final class ClientState {
    /** Every state a client can be in: the expiry states, then {@code revoked} and {@code denied}. */
    public static final List<String> ALL = Stream.concat(
                    Stream.of(ExpiryState.values()).map(ExpiryState::label),
                    Stream.of(TlsFailureReason.REVOKED.label(), TlsFailureReason.DENIED.label()))
            .toList();

    private ClientState() {}

    public static String of(ClientRecord client, Instant now, ExpiryConfig limits) {
        return client.refusal() != null
                ? client.refusal()
                : ExpiryState.of(client.notBefore(), client.notAfter(), now, limits)
                        .label();
    }
}
