package io.mtlsproxy.bench.soak;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * When the faulty endpoint was down, on {@link System#nanoTime()}. A failed request on the faulty route is
 * explained by a fault when its lifetime overlaps a down window, widened by {@code grace} at the end (the proxy
 * learns that the endpoint is back only by trying it).
 */
final class FaultLog {
    private final long graceNanos;
    private final List<long[]> windows = new ArrayList<>();

    FaultLog(Duration grace) {
        this.graceNanos = grace.toNanos();
    }

    synchronized void down(long at) {
        windows.add(new long[] {at, Long.MAX_VALUE});
    }

    synchronized void up(long at) {
        if (!windows.isEmpty() && windows.get(windows.size() - 1)[1] == Long.MAX_VALUE) {
            windows.get(windows.size() - 1)[1] = at;
        }
    }

    synchronized boolean explains(long requestStart, long requestEnd) {
        for (long[] w : windows) {
            long until = w[1] == Long.MAX_VALUE ? Long.MAX_VALUE : w[1] + graceNanos;
            if (requestStart <= until && requestEnd >= w[0]) {
                return true;
            }
        }
        return false;
    }

    synchronized int count() {
        return windows.size();
    }

    /** Seconds the endpoint was down in total (an open window counts up to {@code now}). */
    synchronized double downSeconds(long now) {
        long total = 0;
        for (long[] w : windows) {
            total += Math.min(w[1], now) - w[0];
        }
        return total / 1e9;
    }
}
