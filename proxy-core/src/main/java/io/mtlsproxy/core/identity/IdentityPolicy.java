package io.mtlsproxy.core.identity;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.ClientIdentity;
import io.mtlsproxy.config.IdentityMode;

/**
 * A route's client-identity policy, compiled once per load. STUB: core.identity owns the matching rules
 * (subjects, DNS wildcards, SPIFFE prefixes, fingerprints).
 */
public final class IdentityPolicy {
    private final ClientIdentity config;

    private IdentityPolicy(ClientIdentity config) {
        this.config = requireNonNull(config, "config");
    }

    public static IdentityPolicy of(ClientIdentity config) {
        return new IdentityPolicy(config);
    }

    public boolean enforced() {
        return config.mode() == IdentityMode.ENFORCE;
    }

    /** What to do with a request carrying this identity. */
    public Decision evaluate(PeerIdentity peer) {
        if (peer.presented() && !peer.verified()) {
            return config.require() ? Decision.BAD_CERTIFICATE : Decision.ADMIT;
        }
        if (!peer.presented()) {
            return config.require() ? Decision.NO_CERTIFICATE : Decision.ADMIT;
        }
        return Decision.ADMIT;
    }

    /** The outcome and the status DESIGN.md gives it. */
    public enum Decision {
        ADMIT(200, null),
        /** a certificate was presented but failed verification (optional client auth) */
        BAD_CERTIFICATE(495, "the client certificate failed verification"),
        /** the route requires a certificate and none was presented (optional client auth) */
        NO_CERTIFICATE(496, "this route requires a client certificate and none was presented"),
        /** valid certificate, not on the route's allow-list */
        NOT_ALLOWED(403, "the client certificate is not allowed on this route");

        private final int status;
        private final String reason;

        Decision(int status, String reason) {
            this.status = status;
            this.reason = reason;
        }

        public int status() {
            return status;
        }

        public String reason() {
            return reason;
        }
    }
}
