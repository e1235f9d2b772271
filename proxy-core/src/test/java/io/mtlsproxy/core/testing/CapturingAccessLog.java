package io.mtlsproxy.core.testing;

import io.mtlsproxy.core.metrics.AccessLog;
import io.mtlsproxy.core.metrics.AccessLogEntry;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** An access log that keeps its entries for a test to wait on. */
public final class CapturingAccessLog implements AccessLog {
    private final LinkedBlockingQueue<AccessLogEntry> entries = new LinkedBlockingQueue<>();

    @Override
    public void log(AccessLogEntry entry) {
        entries.add(entry);
    }

    /** How many of the entries not yet taken by {@link #await} match. */
    public long count(Predicate<AccessLogEntry> match) {
        return entries.stream().filter(match).count();
    }

    /** The next entry that matches, waiting up to 10 s; entries before it are dropped. */
    public AccessLogEntry await(Predicate<AccessLogEntry> match) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            long left = deadline - System.nanoTime();
            AccessLogEntry e = entries.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (e == null) {
                throw new AssertionError("no matching access log entry within 10 s");
            }
            if (match.test(e)) {
                return e;
            }
        }
    }
}
