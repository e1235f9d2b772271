package io.mtlsproxy.admin.server;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.mtlsproxy.admin.json.Rfc3339;
import io.mtlsproxy.core.metrics.TlsFailure;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The body of {@code GET /tls/failures}: the recent failed handshakes of both sides, newest first. */
record TlsFailuresReport(String generatedAt, List<Failure> failures) {
    static TlsFailuresReport of(List<TlsFailure> oldestFirst, Instant now) {
        List<Failure> out = new ArrayList<>(oldestFirst.size());
        for (int i = oldestFirst.size() - 1; i >= 0; i--) {
            TlsFailure f = oldestFirst.get(i);
            out.add(new Failure(
                    Rfc3339.millis(f.time()),
                    f.side().label(),
                    f.name(),
                    f.remoteAddress(),
                    f.sni(),
                    f.reason().label(),
                    f.detail(),
                    f.peerSubject(),
                    f.clockSkewSeconds()));
        }
        return new TlsFailuresReport(Rfc3339.millis(now), out);
    }

    /**
     * {@code name} is the listener for side {@code inbound}, the route for side {@code upstream};
     * {@code clock_skew_seconds} appears on {@code expired} and {@code not_yet_valid} entries only.
     */
    record Failure(
            String time,
            String side,
            String name,
            String remoteAddress,
            String sni,
            String reason,
            String detail,
            String peerSubject,
            @JsonInclude(JsonInclude.Include.NON_NULL) Long clockSkewSeconds) {}
}
