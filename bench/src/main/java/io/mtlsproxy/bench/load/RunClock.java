package io.mtlsproxy.bench.load;

import java.time.Duration;

/** The phases of one run on {@link System#nanoTime()}: warm-up from {@code start}, measuring from {@code measureFrom}. */
record RunClock(long start, long measureFrom, long end) {
    static RunClock startingNow(Duration warmup, Duration duration) {
        long now = System.nanoTime();
        long measure = now + warmup.toNanos();
        return new RunClock(now, measure, measure + duration.toNanos());
    }

    boolean measured(long nanos) {
        return nanos >= measureFrom && nanos < end;
    }

    boolean over(long nanos) {
        return nanos >= end;
    }
}
