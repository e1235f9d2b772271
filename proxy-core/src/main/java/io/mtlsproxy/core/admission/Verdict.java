package io.mtlsproxy.core.admission;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.identity.PeerIdentity;
import io.mtlsproxy.core.routing.Route;

/** What the admission stage decided for one request (or one TCP connection). */
public sealed interface Verdict {
    /**
     * The proxy answers itself with {@code status} and {@code reason}, the origin never sees the request;
     * {@code route} is the route that refused it, null when none matched; {@code retryAfter}, when above 0, is
     * the seconds for a Retry-After header.
     */
    record Answer(int status, String reason, Route route, long retryAfter) implements Verdict {
        public Answer {
            requireNonNull(reason, "reason");
        }

        public Answer(int status, String reason, Route route) {
            this(status, reason, route, 0);
        }
    }

    /**
     * Forward to {@code route} as {@code identity}; {@code note} is what a report-only gate let pass (for the
     * access log's reason), null when nothing did.
     */
    record Forward(Route route, PeerIdentity identity, String note) implements Verdict {
        public Forward {
            requireNonNull(route, "route");
            requireNonNull(identity, "identity");
        }
    }
}
