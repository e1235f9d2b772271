package io.mtlsproxy.config;

import java.time.Duration;
import java.util.Optional;

/**
 * The settings a fleet of replicas behind a load balancer needs: {@code shutdown { drain-delay, grace }} (the
 * older {@code shutdown-grace} still works) and {@code session-tickets { keys }}.
 */
final class FleetReader {
    static final String SHUTDOWN = "shutdown";
    static final String SESSION_TICKETS = "session-tickets";
    private static final String LEGACY_GRACE = "shutdown-grace";

    private FleetReader() {}

    /** How a SIGTERM stops the proxy: readiness off for {@code drainDelay}, then a drain of {@code grace}. */
    record Shutdown(Duration drainDelay, Duration grace) {}

    static Shutdown shutdown(Node root) {
        Duration legacy = Scalars.duration(root, LEGACY_GRACE, ProxyConfig.DEFAULT_SHUTDOWN_GRACE, Duration.ZERO);
        return root.object(SHUTDOWN)
                .map(s -> {
                    s.allowOnly("drain-delay", "grace");
                    if (s.has("grace") && root.has(LEGACY_GRACE)) {
                        s.error(
                                "grace",
                                "given together with " + LEGACY_GRACE
                                        + " (expected: one of them; shutdown.grace is the newer spelling)");
                    }
                    return new Shutdown(
                            Scalars.duration(s, "drain-delay", ProxyConfig.DEFAULT_DRAIN_DELAY, Duration.ZERO),
                            Scalars.duration(s, "grace", legacy, Duration.ZERO));
                })
                .orElse(new Shutdown(ProxyConfig.DEFAULT_DRAIN_DELAY, legacy));
    }

    /** The ticket-key file; its contents (80-byte keys) are checked where they are used, in core. */
    static Optional<FileRef> sessionTicketKeys(Node root) {
        return root.object(SESSION_TICKETS).flatMap(t -> {
            t.allowOnly("keys");
            if (!t.has("keys")) {
                t.missing("keys", "a file of 80-byte ticket keys, e.g. keys = \"tickets.key\"");
            }
            return t.file("keys");
        });
    }
}
