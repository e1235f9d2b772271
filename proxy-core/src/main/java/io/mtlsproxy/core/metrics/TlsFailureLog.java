package io.mtlsproxy.core.metrics;

import java.util.ArrayDeque;
import java.util.List;

/** A bounded ring of the most recent handshake failures. Written from event loops, read by the admin endpoint. */
public final class TlsFailureLog {
    private final int capacity;
    private final ArrayDeque<TlsFailure> recent;

    public TlsFailureLog(int capacity) {
        this.capacity = capacity;
        this.recent = new ArrayDeque<>(capacity);
    }

    public synchronized void add(TlsFailure failure) {
        if (recent.size() == capacity) {
            recent.removeFirst();
        }
        recent.addLast(failure);
    }

    /** Oldest first. */
    public synchronized List<TlsFailure> snapshot() {
        return List.copyOf(recent);
    }
}
