package io.mtlsproxy.admin.server;

import io.mtlsproxy.admin.inventory.ClientState;
import io.mtlsproxy.admin.json.Rfc3339;
import io.mtlsproxy.config.ExpiryConfig;
import io.mtlsproxy.core.clients.ClientRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The body of {@code GET /clients}: every tracked client certificate, most recently seen first, its {@code state}
 * by the thresholds of /certs computed at request time. {@code dropped} counts the clients let go since start to
 * stay within {@code clients.max-tracked}.
 */
record ClientsReport(String generatedAt, long dropped, List<Client> clients) {
    /**
     * @param states    the states to keep (as {@link CertsReport#parseStates} reads them); empty keeps all
     * @param listeners the listeners to keep; empty keeps all
     */
    static ClientsReport of(
            List<ClientRecord> leastRecentFirst,
            long dropped,
            Instant now,
            ExpiryConfig limits,
            Set<String> states,
            Set<String> listeners) {
        List<Client> out = new ArrayList<>();
        for (int i = leastRecentFirst.size() - 1; i >= 0; i--) {
            ClientRecord c = leastRecentFirst.get(i);
            String state = ClientState.of(c, now, limits);
            if ((states.isEmpty() || states.contains(state))
                    && (listeners.isEmpty() || listeners.contains(c.listener()))) {
                out.add(new Client(
                        c.listener(),
                        c.subject(),
                        c.issuer(),
                        c.serial(),
                        c.sha256(),
                        c.uriSans(),
                        c.dnsSans(),
                        Rfc3339.seconds(c.notBefore()),
                        Rfc3339.seconds(c.notAfter()),
                        c.notAfter().getEpochSecond() - now.getEpochSecond(),
                        state,
                        Rfc3339.millis(c.firstSeen()),
                        Rfc3339.millis(c.lastSeen()),
                        c.handshakes(),
                        c.denials()));
            }
        }
        return new ClientsReport(Rfc3339.millis(now), dropped, out);
    }

    /** The states a {@code ?state=} filter of /clients may name: the expiry states, {@code revoked} and {@code denied}. */
    static final Set<String> STATES = Set.copyOf(ClientState.ALL);

    record Client(
            String listener,
            String subject,
            String issuer,
            String serial,
            String sha256,
            List<String> uriSans,
            List<String> dnsSans,
            String notBefore,
            String notAfter,
            long expiresInSeconds,
            String state,
            String firstSeen,
            String lastSeen,
            long handshakes,
            long denials) {}
}
