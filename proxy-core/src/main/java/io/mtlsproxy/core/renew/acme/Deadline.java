package io.mtlsproxy.core.renew.acme;

import java.time.Duration;

/** The end of one issuance: every wait on the server gets what is left of it, so none can wait forever. */
record Deadline(long endNanos, Duration total) {
    static Deadline after(Duration total) {
        return new Deadline(System.nanoTime() + total.toNanos(), total);
    }

    /** What is left, at least one second (acme4j polls at least once). */
    Duration remaining() {
        long left = endNanos - System.nanoTime();
        return Duration.ofNanos(Math.max(left, Duration.ofSeconds(1).toNanos()));
    }

    boolean passed() {
        return System.nanoTime() - endNanos >= 0;
    }
}
