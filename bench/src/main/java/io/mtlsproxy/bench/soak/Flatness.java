package io.mtlsproxy.bench.soak;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Judges whether a series stayed flat: the first third of the soak is warm-up (JIT, pools and caches filling);
 * over the rest (the last 20 minutes of a 30-minute soak) a least-squares line is fitted, and its rise across that
 * window (slope times window length) may be at most a tolerance, the larger of an absolute amount and a fraction
 * of the window's mean. A leak grows steadily and shows as a slope; a spike (a GC, a burst of connections) tilts a
 * line fitted to many samples only a little. The means of the middle and last thirds are reported beside it.
 */
final class Flatness {
    static final String FLAT = "flat";
    static final String GROWING = "GROWING";
    static final String TOO_FEW = "n/a (too few samples)";
    static final String INFO = "not judged";

    private Flatness() {}

    /** How much growth still counts as flat. */
    record Tolerance(double absolute, double relative) {
        double of(double middleMean) {
            return Math.max(absolute, relative * Math.abs(middleMean));
        }
    }

    /** Points of one series: {@code t} seconds and value, for the samples where the value exists. */
    static List<double[]> points(List<Sample> samples, Function<Sample, ? extends Number> value) {
        List<double[]> out = new ArrayList<>();
        for (Sample s : samples) {
            Number v = value.apply(s);
            if (v != null && !Double.isNaN(v.doubleValue())) {
                out.add(new double[] {s.t(), v.doubleValue()});
            }
        }
        return out;
    }

    /** {@code tolerance} null: reported, not judged (e.g. the heap's saw-tooth between collections). */
    static SoakReport.SeriesVerdict judge(
            String series, String unit, List<double[]> points, double duration, Tolerance tolerance) {
        if (points.isEmpty()) {
            return new SoakReport.SeriesVerdict(
                    series, unit, tolerance != null, 0, null, null, null, null, null, null, null, null, null, TOO_FEW);
        }
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (double[] p : points) {
            min = Math.min(min, p[1]);
            max = Math.max(max, p[1]);
        }
        List<Double> middle = new ArrayList<>();
        List<Double> last = new ArrayList<>();
        for (double[] p : points) {
            if (p[0] >= duration / 3 && p[0] < 2 * duration / 3) {
                middle.add(p[1]);
            } else if (p[0] >= 2 * duration / 3) {
                last.add(p[1]);
            }
        }
        Double middleMean = mean(middle);
        Double lastMean = mean(last);
        List<double[]> window = new ArrayList<>();
        for (double[] p : points) {
            if (p[0] >= duration / 3) {
                window.add(p);
            }
        }
        Double slope = slopePerSecond(window);
        Double slopePerMinute = slope == null ? null : slope * 60;
        Double growth = slope == null ? null : slope * (duration - duration / 3);
        Double windowMean = mean(window.stream().map(p -> p[1]).toList());
        Double tol = tolerance == null || windowMean == null ? null : tolerance.of(windowMean);
        String verdict;
        if (tolerance == null) {
            verdict = INFO;
        } else if (window.size() < 4) {
            verdict = TOO_FEW;
        } else {
            verdict = growth <= tol ? FLAT : GROWING;
        }
        return new SoakReport.SeriesVerdict(
                series,
                unit,
                tolerance != null,
                points.size(),
                points.get(0)[1],
                points.get(points.size() - 1)[1],
                min,
                max,
                middleMean,
                lastMean,
                slopePerMinute,
                growth,
                tol,
                verdict);
    }

    /** The least-squares slope of value over seconds; null for fewer than two distinct times. */
    static Double slopePerSecond(List<double[]> points) {
        if (points.size() < 2) {
            return null;
        }
        double meanT = points.stream().mapToDouble(p -> p[0]).average().orElseThrow();
        double meanV = points.stream().mapToDouble(p -> p[1]).average().orElseThrow();
        double cov = 0;
        double var = 0;
        for (double[] p : points) {
            cov += (p[0] - meanT) * (p[1] - meanV);
            var += (p[0] - meanT) * (p[0] - meanT);
        }
        return var == 0 ? null : cov / var;
    }

    private static Double mean(List<Double> values) {
        return values.isEmpty()
                ? null
                : values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }
}
