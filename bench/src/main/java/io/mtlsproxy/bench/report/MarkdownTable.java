package io.mtlsproxy.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders a report as Markdown: a short header about the run, the one table, and footnotes. */
public final class MarkdownTable {
    private static final String NONE = "—";

    private MarkdownTable() {}

    public static String render(BenchReport report) {
        RunInfo run = report.run();
        StringBuilder b = new StringBuilder();
        b.append("# mtls-proxy bench")
                .append(run.quick() ? " (quick: proves the harness, figures mean nothing)" : "")
                .append("\n\n");
        b.append("- started: ").append(run.startedAt()).append('\n');
        b.append("- machine: ").append(run.machine()).append('\n');
        b.append("- pinning: load generator on cpu ")
                .append(run.loaderCpus())
                .append(" (")
                .append(run.loaderThreads())
                .append(" event loop(s)); peer under test on cpu ")
                .append(run.peerCpus())
                .append(" (")
                .append(run.peerWorkers())
                .append(" worker(s) each); origin nginx on cpu ")
                .append(run.originCpus())
                .append('\n');
        b.append(String.format(
                Locale.ROOT,
                "- each row: %.1f s measured after %.1f s warm-up; keep-alive: %d "
                        + "connections, closed loop; handshakes: %d connections, new connection per request; "
                        + "fixed rate: %.0f req/s, open loop; idle: %d connections%n",
                run.durationSeconds(),
                run.warmupSeconds(),
                run.connections(),
                run.handshakeConnections(),
                run.rate(),
                run.idleConnections()));
        for (Map.Entry<String, String> v : new java.util.TreeMap<>(run.versions()).entrySet()) {
            b.append("- ").append(v.getKey()).append(": ").append(v.getValue()).append('\n');
        }
        b.append('\n');
        b.append("| peer | scenario | req/s | MB/s | p50 ms | p99 ms | p99.9 ms | errors | handshakes/s "
                + "| peer CPU µs/req | mem/idle conn | mtls-proxy vs best |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        List<String> footnotes = new ArrayList<>();
        for (ResultRow r : report.rows()) {
            b.append("| ")
                    .append(r.peer())
                    .append(" | ")
                    .append(cell(r.scenarioLabel()))
                    .append(" | ");
            if (!r.ok()) {
                b.append("**failed**: ").append(cell(r.failure())).append(" | — | — | — | — | — | — | — | — | — |\n");
                continue;
            }
            String comparison = r.peer().equals(BenchReport.SUBJECT)
                    ? report.comparison(r.scenario())
                            .map(BenchReport.Comparison::render)
                            .orElse(NONE)
                    : NONE;
            b.append(num(r.requestsPerSecond(), 0))
                    .append(" | ")
                    .append(num(r.megabytesPerSecond(), 1))
                    .append(" | ")
                    .append(num(r.p50Ms(), 3))
                    .append(" | ")
                    .append(num(r.p99Ms(), 3))
                    .append(" | ")
                    .append(num(r.p999Ms(), 3))
                    .append(" | ")
                    .append(r.errors())
                    .append(" | ")
                    .append(num(r.handshakesPerSecond(), 0))
                    .append(" | ")
                    .append(num(r.cpuMicrosPerRequest(), 1))
                    .append(" | ")
                    .append(
                            r.memoryPerIdleConnectionKib() == null
                                    ? NONE
                                    : num(r.memoryPerIdleConnectionKib(), 1) + " KiB")
                    .append(" | ")
                    .append(comparison)
                    .append(" |\n");
            if (r.errors() > 0) {
                footnotes.add(r.peer() + ", " + r.scenarioLabel() + ": errors " + r.errorDetail()
                        + (r.note().isEmpty() ? "" : " — " + r.note()));
            } else if (!r.note().isEmpty()) {
                footnotes.add(r.peer() + ", " + r.scenarioLabel() + ": " + r.note());
            }
        }
        footnotes.addAll(run.notes());
        if (!footnotes.isEmpty()) {
            b.append("\nNotes:\n\n");
            footnotes.forEach(f -> b.append("- ").append(f).append('\n'));
        }
        b.append("\nHow to read this: docs/bench.md. Latency of the fixed-rate row counts from each request's "
                + "intended send time; the other rows are closed loop. Peer CPU is the user plus system "
                + "time of all the peer's processes over the measured window, per request (per handshake on the "
                + "handshake rows). The last column divides mtls-proxy's figure by the best other peer's on the "
                + "scenario's own metric.\n");
        return b.toString();
    }

    private static String num(Double value, int decimals) {
        if (value == null) {
            return NONE;
        }
        return String.format(Locale.ROOT, "%,." + decimals + "f", value);
    }

    /** Table cells are one line without pipes. */
    private static String cell(String text) {
        String oneLine = text.replace('\n', ' ').replace('\r', ' ').replace("|", "\\|");
        return oneLine.length() > 300 ? oneLine.substring(0, 300) + "…" : oneLine;
    }
}
