package io.mtlsproxy.core.metrics;

/**
 * Where access log entries go. Implementations must not block the calling event loop (queue and write on
 * another thread). {@link #OFF} costs one virtual call.
 */
public interface AccessLog extends AutoCloseable {
    AccessLog OFF = new AccessLog() {
        @Override
        public void log(AccessLogEntry entry) {}

        @Override
        public boolean enabled() {
            return false;
        }
    };

    void log(AccessLogEntry entry);

    /** False when entries are dropped anyway, so callers can skip building them. */
    default boolean enabled() {
        return true;
    }

    @Override
    default void close() {}
}
