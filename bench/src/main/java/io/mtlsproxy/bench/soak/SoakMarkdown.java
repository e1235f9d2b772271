package io.mtlsproxy.bench.soak;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The soak's summary in Markdown: the verdict first, then traffic, injected changes, series, proxy counters. */
public final class SoakMarkdown {
    private SoakMarkdown() {}

    public static String render(SoakReport r) {
        StringBuilder b = new StringBuilder();
        b.append("# mtls-proxy soak, ").append(r.startedAt()).append("\n\n");
        if (r.passed()) {
            b.append("**PASS**: zero unexpected errors, every injected change reloaded and verified on the wire, "
                    + "no failed reload, every judged series flat.\n\n");
        } else {
            b.append("**FAIL**:\n\n");
            r.problems().forEach(p -> b.append("- ").append(p).append('\n'));
            b.append('\n');
        }
        b.append("| | |\n|---|---|\n");
        row(
                b,
                "duration",
                String.format(Locale.ROOT, "%.0f s of load (planned %.0f s)", r.actualSeconds(), r.plannedSeconds()));
        row(
                b,
                "machine",
                r.machine()
                        + String.format(
                                Locale.ROOT,
                                "; load average %.1f at start, %.1f mean, " + "%.1f at end (shared machine)",
                                r.loadAverageStart(),
                                r.loadAverageMean(),
                                r.loadAverageEnd()));
        row(b, "requests answered as expected", Long.toString(r.requestsOk()));
        row(
                b,
                "expected errors",
                r.expectedErrors()
                        + (r.expectedErrors() == 0
                                ? ""
                                : " (faulty route while its endpoint was down: " + kinds(sumKinds(r.flows(), true))
                                        + ")"));
        row(
                b,
                "**unexpected errors**",
                "**" + r.unexpectedErrors() + "**"
                        + (r.unexpectedErrors() == 0 ? "" : " (" + kinds(sumKinds(r.flows(), false)) + ")"));
        row(b, "reloads (mtls_proxy_config_reloads_total)", r.reloadsOk() + " ok, " + r.reloadsFailed() + " failed");
        row(
                b,
                "origin faults",
                String.format(Locale.ROOT, "%d, %.0f s down in total", r.faults(), r.faultDownSeconds()));
        row(b, "server certificates seen by new connections", Integer.toString(r.serverCertificatesSeen()));
        b.append('\n');

        b.append("## Traffic (all over one mTLS listener)\n\n")
                .append("Keep-alive flows open a connection per slot and keep it for the whole soak unless it "
                        + "breaks: their connection count shows whether any reload or fault closed one.\n\n")
                .append("| flow | request | connections | ok | expected errors | unexpected errors |\n")
                .append("|---|---|---:|---:|---|---|\n");
        for (SoakReport.FlowOutcome f : r.flows()) {
            b.append("| ")
                    .append(f.flow())
                    .append(" | ")
                    .append(f.request())
                    .append(" | ")
                    .append(f.connections())
                    .append(" | ")
                    .append(f.ok())
                    .append(" | ")
                    .append(f.expected().isEmpty() ? "0" : kinds(f.expected()))
                    .append(" | ")
                    .append(f.unexpected().isEmpty() ? "0" : "**" + kinds(f.unexpected()) + "**")
                    .append(" |\n");
        }
        if (!r.unexpectedSamples().isEmpty()) {
            b.append("\nFirst unexpected errors:\n\n");
            r.unexpectedSamples().forEach(s -> b.append("- `").append(s).append("`\n"));
        }

        b.append(
                        "\n## Reloads and renewals (each checked with a new connection; a failed renewal counts as not verified)\n\n")
                .append("| change | every | done | reloaded and verified |\n|---|---:|---:|---:|\n");
        for (SoakReport.ChangeOutcome c : r.changes()) {
            b.append("| ")
                    .append(c.change())
                    .append(" | ")
                    .append(num(c.everySeconds()))
                    .append(" s | ")
                    .append(c.done())
                    .append(" | ")
                    .append(c.verified())
                    .append(" |\n");
        }
        r.changes().stream()
                .flatMap(c -> c.notes().stream())
                .forEach(n -> b.append("\n- ").append(n));

        b.append("\n## Memory, descriptors, threads of the proxy process\n\n")
                .append("Warm-up is the first third. The slope is a least-squares line over the last two thirds "
                        + "(the last 20 minutes of a 30-minute soak); \"flat\" means its rise over that window "
                        + "(slope × window) is no more than the tolerance. ")
                .append(r.gcNote())
                .append(".\n\n")
                .append("| series | samples | start | end | min | max | mean, middle third | mean, last third "
                        + "| slope per minute | rise over the window | tolerance | verdict |\n"
                        + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (SoakReport.SeriesVerdict v : r.series()) {
            b.append("| ")
                    .append(v.series())
                    .append(" (")
                    .append(v.unit())
                    .append(") | ")
                    .append(v.samples())
                    .append(" | ")
                    .append(num(v.start()))
                    .append(" | ")
                    .append(num(v.end()))
                    .append(" | ")
                    .append(num(v.min()))
                    .append(" | ")
                    .append(num(v.max()))
                    .append(" | ")
                    .append(num(v.middleMean()))
                    .append(" | ")
                    .append(num(v.lastMean()))
                    .append(" | ")
                    .append(signedSlope(v.slopePerMinute()))
                    .append(" | ")
                    .append(signed(v.growth()))
                    .append(" | ")
                    .append(num(v.tolerance()))
                    .append(" | ")
                    .append(Flatness.GROWING.equals(v.verdict()) ? "**" + v.verdict() + "**" : v.verdict())
                    .append(" |\n");
        }

        b.append("\n## The proxy's own counters during the soak\n\n");
        row(b.append("| | |\n|---|---|\n"), "mtls_proxy_requests_total by status", kinds(r.proxyRequestsByStatus()));
        row(
                b,
                "mtls_proxy_upstream_errors_total by reason",
                r.upstreamErrorsByReason().isEmpty() ? "none" : kinds(r.upstreamErrorsByReason()));

        b.append("\n## Settings\n\n| | |\n|---|---|\n");
        r.settings().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> row(b, e.getKey(), e.getValue()));
        return b.toString();
    }

    private static Map<String, Long> sumKinds(List<SoakReport.FlowOutcome> flows, boolean expected) {
        return flows.stream()
                .flatMap(f -> (expected ? f.expected() : f.unexpected()).entrySet().stream())
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, Long::sum, TreeMap::new));
    }

    private static String kinds(Map<String, ? extends Number> m) {
        return m.entrySet().stream()
                .map(e -> e.getKey() + ": " + num(e.getValue().doubleValue()))
                .collect(Collectors.joining(", "));
    }

    private static void row(StringBuilder b, String key, String value) {
        b.append("| ").append(key).append(" | ").append(value).append(" |\n");
    }

    private static String num(Double v) {
        if (v == null || v.isNaN()) {
            return "–";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e15
                ? Long.toString(v.longValue())
                : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String signed(Double v) {
        return v == null ? "–" : (v > 0 ? "+" : "") + num(v);
    }

    /** Slopes are small: three decimals (a leak of one fd a minute is +1.000). */
    private static String signedSlope(Double v) {
        return v == null || v.isNaN() ? "–" : String.format(Locale.ROOT, "%+.3f", v);
    }
}
