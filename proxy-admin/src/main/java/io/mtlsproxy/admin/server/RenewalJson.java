package io.mtlsproxy.admin.server;

import io.mtlsproxy.admin.json.Rfc3339;
import io.mtlsproxy.core.renew.RenewalStatus;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;

/** The {@code renewal} object of a {@code /certs} entry whose certificate has a {@code renew} block. */
record RenewalJson(
        String issuer,
        String state,
        String renewAt,
        String nextAttempt,
        String lastAttempt,
        String lastSuccess,
        String lastError,
        int attempts) {

    /** The renewal of the certificate used as {@code usage} by {@code owner} from {@code path}; null when none. */
    static RenewalJson find(Collection<RenewalStatus> statuses, String usage, String owner, String path) {
        return statuses.stream()
                .filter(s -> s.usage().equals(usage)
                        && s.owner().equals(owner)
                        && s.certFile().toString().equals(path))
                .findFirst()
                .map(RenewalJson::of)
                .orElse(null);
    }

    static RenewalJson of(RenewalStatus s) {
        return new RenewalJson(
                s.issuer(),
                s.state(),
                time(s.renewAt()),
                time(s.nextAttempt()),
                time(s.lastAttempt()),
                time(s.lastSuccess()),
                s.lastError().orElse(null),
                s.attempts());
    }

    private static String time(Optional<Instant> t) {
        return t.map(Rfc3339::seconds).orElse(null);
    }
}
