package io.mtlsproxy.bench.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlatnessTest {
    private static final Flatness.Tolerance TOLERANCE = new Flatness.Tolerance(2, 0.05);

    @Test
    void aSteadySeriesWithNoiseAndAWarmUpIsFlat() {
        List<double[]> points = series(t -> (t < 20 ? t : 20) + (t % 10 == 0 ? 3 : 0) + 100);
        SoakReport.SeriesVerdict v = Flatness.judge("heap", "MiB", points, 60, TOLERANCE);
        assertEquals(Flatness.FLAT, v.verdict(), v.toString());
        assertEquals(103, v.start());
    }

    @Test
    void aSteadyGrowthPastTheToleranceIsGrowing() {
        SoakReport.SeriesVerdict v = Flatness.judge("fds", "fds", series(t -> 100 + t), 60, TOLERANCE);
        assertEquals(Flatness.GROWING, v.verdict(), v.toString());
        assertEquals(60, v.slopePerMinute(), 1e-9); // one a second, fitted over t = 20..60
        assertEquals(40, v.growth(), 1e-9); // that slope across the 40 s window
        assertEquals(0.05 * 140, v.tolerance(), 1e-9); // of the window's mean
        assertEquals(150 - 127.5, v.lastMean() - v.middleMean(), 1e-9); // means of t = 40..60 and t = 20..35
    }

    @Test
    void aSlowLeakUnderTheNoiseStillShowsAsASlope() {
        // +0.2 a second under a ±3 alternating noise: each third's mean hides it less than the fitted line does
        SoakReport.SeriesVerdict v =
                Flatness.judge("fds", "fds", series(t -> 100 + 0.2 * t + ((t / 5) % 2 == 0 ? 3 : -3)), 60, TOLERANCE);
        assertEquals(12, v.slopePerMinute(), 2, v.toString());
        assertEquals(Flatness.GROWING, v.verdict(), v.toString());
    }

    @Test
    void durationsAreReadAsTheCommandLineGivesThem() {
        assertEquals(java.time.Duration.ofMinutes(30), SoakOptions.parseDuration("30m"));
        assertEquals(java.time.Duration.ofSeconds(90), SoakOptions.parseDuration("90s"));
        assertEquals(java.time.Duration.ofSeconds(90), SoakOptions.parseDuration("1.5m"));
        assertEquals(java.time.Duration.ofHours(1), SoakOptions.parseDuration("1h"));
        for (String bad : List.of("30", "m", "-2m", "0s", "2 minutes")) {
            org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> SoakOptions.parseDuration(bad), bad);
        }
    }

    @Test
    void tooFewSamplesAndUnjudgedSeriesSaySo() {
        assertEquals(
                Flatness.TOO_FEW,
                Flatness.judge("x", "", List.of(new double[] {50, 1}), 60, TOLERANCE)
                        .verdict());
        assertEquals(
                Flatness.TOO_FEW,
                Flatness.judge("x", "", List.of(), 60, TOLERANCE).verdict());
        assertEquals(
                Flatness.INFO, Flatness.judge("x", "", series(t -> t), 60, null).verdict());
    }

    /** One point every 5 s over 60 s. */
    private static List<double[]> series(java.util.function.IntToDoubleFunction f) {
        List<double[]> out = new ArrayList<>();
        for (int t = 0; t <= 60; t += 5) {
            out.add(new double[] {t, f.applyAsDouble(t)});
        }
        return out;
    }
}
