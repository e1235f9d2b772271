package io.mtlsproxy.bench.soak;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Turns what a soak saw into its {@link SoakReport}: totals, the series and their verdicts, and the problems
 * that fail it. The series and their tolerances are here, in one place, with the reason for each.
 */
final class SoakVerdict {
    private SoakVerdict() {}

    /** Everything the verdict needs, gathered at the end of a soak. */
    record Inputs(
            String startedAt,
            SoakOptions options,
            double actualSeconds,
            double loadAverageStart,
            Outcomes outcomes,
            List<SoakReport.ChangeOutcome> changes,
            FaultLog faults,
            String faultProblem,
            Sampler sampler,
            PromText before,
            PromText after,
            List<String> problems) {}

    /** A series: how to read it from a sample, and how much growth is still flat (null: reported only). */
    private record Series(
            String name, String unit, Function<Sample, ? extends Number> value, Flatness.Tolerance tolerance) {}

    private static final List<Series> SERIES = List.of(
            // The live set after a full GC: the one heap figure a leak must move. Tight enough that 150 KiB kept
            // per reload (an old TLS context, say) fails a 5-minute soak (~14 reloads per third).
            new Series("heap after full GC", "MiB", Sample::heapAfterGcMib, new Flatness.Tolerance(1.5, 0.05)),
            // Between collections the heap is a saw-tooth set by the collector's schedule, not by leaks.
            new Series("heap used (any moment)", "MiB", Sample::heapUsedMib, null),
            // Pooled/adaptive chunks come and go in MiB steps; a leak of buffers grows without end.
            new Series("Netty direct memory", "MiB", Sample::nettyDirectMib, new Flatness.Tolerance(4, 0.10)),
            new Series("JVM direct buffers", "MiB", Sample::jvmDirectMib, new Flatness.Tolerance(4, 0.10)),
            // Connections come and go with the load and the faults (means over a third smooth that out); one
            // descriptor kept per reload grows by ~14 per third of a 5-minute soak.
            new Series("open file descriptors", "fds", Sample::openFds, new Flatness.Tolerance(8, 0.10)),
            new Series("live threads", "threads", Sample::threads, new Flatness.Tolerance(2, 0)),
            // Includes heap the JVM committed and may keep: generous, but a native leak still shows.
            new Series("resident memory (VmRSS)", "MiB", Sample::rssMib, new Flatness.Tolerance(32, 0.10)));

    static SoakReport report(Inputs in) {
        List<String> problems = new ArrayList<>(in.problems());
        List<SoakReport.FlowOutcome> flows = in.outcomes().snapshot();
        long ok = flows.stream().mapToLong(SoakReport.FlowOutcome::ok).sum();
        long expected =
                flows.stream().mapToLong(SoakReport.FlowOutcome::expectedTotal).sum();
        long unexpected = flows.stream()
                .mapToLong(SoakReport.FlowOutcome::unexpectedTotal)
                .sum();
        List<String> unexpectedSamples = in.outcomes().unexpectedMessages();
        if (unexpected > 0) {
            problems.add(unexpected + " unexpected errors, the first: " + unexpectedSamples.get(0));
        }
        if (ok == 0) {
            problems.add("no request was answered");
        }
        for (SoakReport.ChangeOutcome c : in.changes()) {
            if (c.done() == 0) {
                problems.add(c.change() + ": never happened (the soak is shorter than its period?)");
            } else if (c.verified() < c.done()) {
                problems.add(c.change() + ": " + (c.done() - c.verified()) + " of " + c.done()
                        + " not seen by a reload or not in effect: " + c.notes().get(0));
            }
        }
        int faults = in.faults().count();
        if (faults == 0) {
            problems.add("no origin fault was injected (the soak is shorter than half of fault-every?)");
        }
        if (!in.faultProblem().isEmpty()) {
            problems.add(in.faultProblem());
        }
        long reloadsOk = delta(in, "success");
        long reloadsFailed = delta(in, "failure");
        if (reloadsFailed > 0) {
            problems.add(reloadsFailed + " reloads failed (a half-written file pair caught by the watcher?)");
        }

        List<Sample> samples = in.sampler().samples();
        double duration = in.options().duration().toMillis() / 1000.0;
        List<SoakReport.SeriesVerdict> verdicts = new ArrayList<>();
        for (Series s : SERIES) {
            SoakReport.SeriesVerdict v =
                    Flatness.judge(s.name(), s.unit(), Flatness.points(samples, s.value()), duration, s.tolerance());
            verdicts.add(v);
            if (Flatness.GROWING.equals(v.verdict())) {
                problems.add(String.format(
                        Locale.ROOT,
                        "%s grew %+.3f %s per minute over the last two thirds, %.1f in all (tolerance %.1f)",
                        s.name(),
                        v.slopePerMinute(),
                        s.unit(),
                        v.growth(),
                        v.tolerance()));
            }
        }
        String gcNote = in.sampler().gcProblem().isEmpty()
                ? "A full GC was forced (jcmd PID GC.run) every "
                        + in.options().gcEvery().toSeconds() + " s before the reading"
                : "no forced GC: " + in.sampler().gcProblem();
        if (!in.sampler().readProblem().isEmpty()) {
            gcNote += "; a reading failed: " + in.sampler().readProblem();
        }
        double loadMean = samples.stream()
                .mapToDouble(Sample::loadAverage)
                .filter(d -> !Double.isNaN(d))
                .average()
                .orElse(Double.NaN);
        return new SoakReport(
                in.startedAt(),
                duration,
                in.actualSeconds(),
                Soak.machine(),
                in.loadAverageStart(),
                loadMean,
                Sampler.loadAverage(),
                in.options().describe(),
                flows,
                ok,
                expected,
                unexpected,
                unexpectedSamples,
                in.changes(),
                faults,
                in.faults().downSeconds(System.nanoTime()),
                reloadsOk,
                reloadsFailed,
                in.outcomes().serverCertificatesSeen(),
                delta(
                        in.before().sumBy("mtls_proxy_requests_total", "status"),
                        in.after().sumBy("mtls_proxy_requests_total", "status")),
                delta(
                        in.before().sumBy("mtls_proxy_upstream_errors_total", "reason"),
                        in.after().sumBy("mtls_proxy_upstream_errors_total", "reason")),
                verdicts,
                gcNote,
                samples,
                problems.isEmpty(),
                problems);
    }

    private static long delta(Inputs in, String result) {
        double b = in.before().sum("mtls_proxy_config_reloads_total", "result", result);
        double a = in.after().sum("mtls_proxy_config_reloads_total", "result", result);
        return Double.isNaN(a) ? 0 : Math.round(a - (Double.isNaN(b) ? 0 : b));
    }

    private static Map<String, Double> delta(Map<String, Double> before, Map<String, Double> after) {
        Map<String, Double> out = new TreeMap<>();
        after.forEach((k, v) -> {
            double d = v - before.getOrDefault(k, 0.0);
            if (d != 0) {
                out.put(k, d);
            }
        });
        return out;
    }
}
