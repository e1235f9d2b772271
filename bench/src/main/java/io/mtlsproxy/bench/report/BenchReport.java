package io.mtlsproxy.bench.report;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.bench.scenario.Metric;
import java.util.List;
import java.util.Optional;

/** A finished run: how it was made and one row per peer and scenario. */
public record BenchReport(RunInfo run, List<ResultRow> rows) {
    /** The peer whose figures are compared with the best of the others. */
    public static final String SUBJECT = "mtls-proxy";

    public BenchReport {
        requireNonNull(run, "run");
        rows = List.copyOf(requireNonNull(rows, "rows"));
    }

    /**
     * mtls-proxy's figure divided by the best other peer's on the scenario's own metric (above 1 is better for
     * rates, below 1 is better for latency and memory), or empty when either side has no figure.
     */
    public Optional<Comparison> comparison(String scenario) {
        Optional<ResultRow> subject = rows.stream()
                .filter(r ->
                        r.scenario().equals(scenario) && r.peer().equals(SUBJECT) && r.ok() && r.metricValue() != null)
                .findFirst();
        if (subject.isEmpty()) {
            return Optional.empty();
        }
        Metric metric = subject.get().metric();
        Optional<ResultRow> best = rows.stream()
                .filter(r -> r.scenario().equals(scenario)
                        // mtls-proxy's other configurations (mtls-proxy-bare, -rules, -ocsp) are not its peers
                        && !r.peer().startsWith(SUBJECT)
                        && r.ok()
                        && r.metricValue() != null
                        && r.metricValue() > 0)
                .reduce((a, b) -> better(metric, a, b));
        return best.map(b -> new Comparison(metric, b.peer(), subject.get().metricValue() / b.metricValue()));
    }

    private static ResultRow better(Metric metric, ResultRow a, ResultRow b) {
        boolean aWins =
                metric.higherIsBetter() ? a.metricValue() >= b.metricValue() : a.metricValue() <= b.metricValue();
        return aWins ? a : b;
    }

    /** {@code ratio} = mtls-proxy / {@code bestPeer} on {@code metric}. */
    public record Comparison(Metric metric, String bestPeer, double ratio) {
        public String render() {
            return String.format(
                    java.util.Locale.ROOT,
                    "%.2f× %s (%s%s)",
                    ratio,
                    bestPeer,
                    metric.label(),
                    metric.higherIsBetter() ? "" : ", lower is better");
        }
    }
}
