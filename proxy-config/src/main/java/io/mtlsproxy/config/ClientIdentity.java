package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

/** Who may use a route; checked after the handshake against the verified peer certificate. */
public record ClientIdentity(boolean require, IdentityMode mode, AllowList allow) {
    public static final ClientIdentity NONE = new ClientIdentity(false, IdentityMode.ENFORCE, AllowList.ANY);

    public ClientIdentity {
        requireNonNull(mode, "mode");
        requireNonNull(allow, "allow");
    }
}
