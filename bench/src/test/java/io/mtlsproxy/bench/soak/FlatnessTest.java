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
        assertEquals(150 - 127.5, v.growth(), 1e-9); // means of t = 40..60 and t = 20..35
        assertEquals(0.05 * 127.5, v.tolerance(), 1e-9);
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
