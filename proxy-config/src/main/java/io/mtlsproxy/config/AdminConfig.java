package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * The admin endpoint: plain HTTP, loopback and open by default. Port 0 picks a free port (tests). {@code health}
 * serves /healthz and /readyz alone on a port of their own (for a load balancer or the kubelet); {@code auth}
 * guards every other path.
 */
public record AdminConfig(String bind, int port, Optional<Health> health, Optional<Auth> auth) {
    public static final AdminConfig DEFAULT = new AdminConfig("127.0.0.1", 9901);

    public AdminConfig {
        requireNonNull(bind, "bind");
        requireNonNull(health, "health");
        requireNonNull(auth, "auth");
    }

    /** Open, on one port: the default shape. */
    public AdminConfig(String bind, int port) {
        this(bind, port, Optional.empty(), Optional.empty());
    }

    /** /healthz and /readyz on their own address. */
    public record Health(String bind, int port) {
        public Health {
            requireNonNull(bind, "bind");
        }
    }

    /**
     * Credentials every admin call but health must present: a bearer token (the file's content, trimmed), and/or
     * a client certificate over TLS ({@code tls}) that the allow-list admits (empty: any certificate of the CA).
     */
    public record Auth(Optional<FileRef> tokenFile, Optional<Tls> tls, AllowList allow) {
        public Auth {
            requireNonNull(tokenFile, "tokenFile");
            requireNonNull(tls, "tls");
            requireNonNull(allow, "allow");
        }
    }

    /** The admin port's own certificate and the CA of its clients. */
    public record Tls(KeyMaterial certificate, FileRef clientCa) {
        public Tls {
            requireNonNull(certificate, "certificate");
            requireNonNull(clientCa, "clientCa");
        }
    }
}
