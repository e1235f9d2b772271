package io.mtlsproxy.bench.soak;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;

/**
 * What a soak found, as written to {@code bench/results/soak-*.md} and {@code .json}. {@code passed} is true when
 * {@code problems} is empty: zero unexpected errors, every injected change seen by a reload and verified on the
 * wire, no failed reload, every judged series flat, and the proxy alive to the end.
 */
public record SoakReport(
        String startedAt,
        double plannedSeconds,
        double actualSeconds,
        String machine,
        double loadAverageStart,
        double loadAverageMean,
        double loadAverageEnd,
        Map<String, String> settings,
        List<FlowOutcome> flows,
        long requestsOk,
        long expectedErrors,
        long unexpectedErrors,
        List<String> unexpectedSamples,
        List<ChangeOutcome> changes,
        int faults,
        double faultDownSeconds,
        long reloadsOk,
        long reloadsFailed,
        int serverCertificatesSeen,
        Map<String, Double> proxyRequestsByStatus,
        Map<String, Double> upstreamErrorsByReason,
        List<SeriesVerdict> series,
        String gcNote,
        List<Sample> samples,
        boolean passed,
        List<String> problems) {
    public SoakReport {
        requireNonNull(startedAt, "startedAt");
        settings = Map.copyOf(settings);
        flows = List.copyOf(flows);
        unexpectedSamples = List.copyOf(unexpectedSamples);
        changes = List.copyOf(changes);
        series = List.copyOf(series);
        samples = List.copyOf(samples);
        problems = List.copyOf(problems);
    }

    /**
     * One flow's connections (handshakes completed) and requests: answered as expected, and failures by kind,
     * explained by a fault or not.
     */
    public record FlowOutcome(
            String flow,
            String request,
            long connections,
            long ok,
            Map<String, Long> expected,
            Map<String, Long> unexpected) {
        public long expectedTotal() {
            return expected.values().stream().mapToLong(Long::longValue).sum();
        }

        public long unexpectedTotal() {
            return unexpected.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** One kind of injected change: how often it was made, and how often its reload and effect were seen. */
    public record ChangeOutcome(String change, double everySeconds, int done, int verified, List<String> notes) {}

    /**
     * One series' figures over the soak and its verdict (see {@link Flatness}): {@code slopePerMinute} is fitted
     * over the last two thirds, {@code growth} is that slope times the window's length.
     */
    public record SeriesVerdict(
            String series,
            String unit,
            boolean judged,
            int samples,
            Double start,
            Double end,
            Double min,
            Double max,
            Double middleMean,
            Double lastMean,
            Double slopePerMinute,
            Double growth,
            Double tolerance,
            String verdict) {}
}
