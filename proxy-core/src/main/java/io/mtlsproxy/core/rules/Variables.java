package io.mtlsproxy.core.rules;

import io.mtlsproxy.config.HeaderVariable;
import io.mtlsproxy.core.identity.PeerIdentity;

/** The values of {@code %{...}} in header rules. */
final class Variables {
    private Variables() {}

    /**
     * The value, or null when there is none: the client identity only of a verified certificate (under
     * {@code client-auth = optional} an unverified one is no identity to pass on).
     */
    static CharSequence value(HeaderVariable variable, PeerIdentity peer, CharSequence requestId) {
        if (variable == HeaderVariable.REQUEST_ID) {
            return requestId;
        }
        if (!peer.verified()) {
            return null;
        }
        return switch (variable) {
            case CLIENT_SUBJECT -> peer.subject();
            case CLIENT_URI_SAN ->
                peer.uriSans().isEmpty() ? null : peer.uriSans().get(0);
            case CLIENT_SHA256 -> peer.sha256();
            case REQUEST_ID -> requestId;
        };
    }
}
