package io.mtlsproxy.core.inbound;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the heap is nearly full of live objects: the old generation, right after its last collection, is past
 * {@link #THRESHOLD} of its maximum. {@link ConnectionLimit} then refuses new connections, as it does past
 * {@code max-connections}: with {@code -Xmx24m}, about 6,000 idle connections ended the process with an
 * OutOfMemoryError (SmallHeapTest); refusing the next ones keeps the others served.
 * <p>
 * "After the last collection" is what the JVM tracks for free; current usage would count garbage. It only
 * changes when the old generation is collected, and a proxy that refuses connections may allocate too little to
 * cause that: so while it refuses, a collection is asked for at most every {@link #RECHECK_MILLIS}, off the event
 * loop, which tells whether the pressure is gone.
 */
final class HeapPressure {
    static final double THRESHOLD = 0.90;
    static final long RECHECK_MILLIS = 2000;
    /**
     * How long an answer is reused: asking the pools costs a JNI call that builds a MemoryUsage per pool, on every
     * accepted connection otherwise, and the answer only changes when the old generation is collected.
     */
    private static final long ANSWER_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private static final Logger LOG = LoggerFactory.getLogger(HeapPressure.class);
    private static final List<MemoryPoolMXBean> OLD = oldGenerations();
    private static volatile long lastRecheck;
    private static volatile long lastWarning;
    private static volatile long answeredAt = System.nanoTime() - ANSWER_NANOS;
    private static volatile boolean high;

    private HeapPressure() {}

    /**
     * True while the old generation holds more than {@link #THRESHOLD} of its maximum in live objects (as of at
     * most {@link #ANSWER_NANOS} ago; event loops that ask at once may each ask the pools, which is harmless).
     */
    static boolean high() {
        long now = System.nanoTime();
        if (now - answeredAt < ANSWER_NANOS) {
            return high;
        }
        boolean pressed = false;
        for (MemoryPoolMXBean pool : OLD) {
            if (pool.isCollectionUsageThresholdExceeded()) {
                pressed(pool);
                pressed = true;
                break;
            }
        }
        high = pressed;
        answeredAt = now;
        return pressed;
    }

    private static void pressed(MemoryPoolMXBean pool) {
        long now = System.nanoTime();
        if (now - lastRecheck > TimeUnit.MILLISECONDS.toNanos(RECHECK_MILLIS)) {
            lastRecheck = now;
            CompletableFuture.runAsync(System::gc); // only way to learn that the live objects are gone
        }
        if (now - lastWarning > TimeUnit.MINUTES.toNanos(1)) {
            lastWarning = now;
            LOG.warn(
                    "heap nearly full ({} of {} bytes live in {} after its last collection): refusing new "
                            + "connections until it is not",
                    pool.getCollectionUsage().getUsed(),
                    pool.getUsage().getMax(),
                    pool.getName());
        }
    }

    private static List<MemoryPoolMXBean> oldGenerations() {
        List<MemoryPoolMXBean> old = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.isCollectionUsageThresholdSupported())
                .filter(p -> p.getName().contains("Old") || p.getName().contains("Tenured"))
                .filter(p -> p.getUsage().getMax() > 0)
                .toList();
        old.forEach(p -> p.setCollectionUsageThreshold((long) (p.getUsage().getMax() * THRESHOLD)));
        return old;
    }
}
