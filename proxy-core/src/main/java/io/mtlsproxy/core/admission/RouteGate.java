package io.mtlsproxy.core.admission;

import io.mtlsproxy.core.inbound.InboundConnection;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.routing.Route;

/**
 * One per-route check of the admission stage, run once a request has its route, for HTTP/1, HTTP/2 and TCP alike.
 * A gate counts its own denials; a report-only gate passes with a note instead of denying. New per-route policies
 * (rate limits, deny lists) are new gates in {@link Admission#GATES}, with their settings compiled on the
 * {@link Route} as the identity policy is.
 */
interface RouteGate {
    /** Runs on the event loop: never blocks. */
    Check check(Route route, InboundConnection conn, ProxyMetrics metrics);

    /**
     * A gate's word: pass (with a note for the access log, or none) or deny with a status; {@code retryAfter} is the
     * seconds a denied client should wait (0: no such advice).
     */
    record Check(int status, String reason, long retryAfter) {
        static final Check PASS = new Check(0, null, 0);

        static Check note(String reason) {
            return new Check(0, reason, 0);
        }

        static Check deny(int status, String reason) {
            return new Check(status, reason, 0);
        }

        static Check deny(int status, String reason, long retryAfter) {
            return new Check(status, reason, retryAfter);
        }

        boolean denies() {
            return status != 0;
        }
    }
}
