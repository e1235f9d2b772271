package io.mtlsproxy.bench.process;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/**
 * Which cores the load generator, the peer under test and the origin get ({@code taskset -c} lists such as
 * {@code 1} or {@code 2-3}). Every peer gets the same {@link #peer} list and as many workers as it has cores,
 * so the table compares per-core work. {@code loader} empty means "leave the harness JVM where it is" (tests).
 */
public record CpuPlan(Optional<String> loader, String peer, String origin) {
    public CpuPlan {
        requireNonNull(loader, "loader");
        loader.ifPresent(CpuPlan::count);
        count(requireNonNull(peer, "peer"));
        count(requireNonNull(origin, "origin"));
    }

    /**
     * The default split. On 2 cores: load generator on 0, peer on 1, origin sharing 0 with the load
     * generator (the origin's work is the same for every peer). On 4+ cores the peer keeps one core and
     * the load generator gets the rest but the origin's.
     */
    public static CpuPlan defaults(int cores) {
        if (cores <= 1) {
            return new CpuPlan(Optional.of("0"), "0", "0");
        }
        if (cores < 4) {
            return new CpuPlan(Optional.of("0"), "1", "0");
        }
        return new CpuPlan(Optional.of("2-" + (cores - 1)), "1", "0");
    }

    public CpuPlan withoutLoaderPinning() {
        return new CpuPlan(Optional.empty(), peer, origin);
    }

    public int peerCores() {
        return count(peer);
    }

    public int originCores() {
        return count(origin);
    }

    /** The number of cores in a taskset list: {@code 0,2-3} has 3. */
    public static int count(String list) {
        int n = 0;
        for (String part : List.of(list.split(","))) {
            String p = part.trim();
            try {
                int dash = p.indexOf('-');
                if (dash < 0) {
                    Integer.parseInt(p);
                    n++;
                } else {
                    int from = Integer.parseInt(p.substring(0, dash));
                    int to = Integer.parseInt(p.substring(dash + 1));
                    if (to < from) {
                        throw new NumberFormatException();
                    }
                    n += to - from + 1;
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "cpu list: " + list + " (expected: taskset -c syntax such as 1 or 0,2-3)");
            }
        }
        return n;
    }
}
