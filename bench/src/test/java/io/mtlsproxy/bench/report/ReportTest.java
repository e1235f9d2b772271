package io.mtlsproxy.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.bench.scenario.Leg;
import io.mtlsproxy.bench.scenario.Scenario;
import io.mtlsproxy.bench.scenario.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
    private static final Scenario SMALL = new Scenario(Leg.MTLS_PLAIN, Workload.SMALL);
    private static final Scenario IDLE = new Scenario(Leg.MTLS_PLAIN, Workload.IDLE);

    private static ResultRow rate(String peer, double perSecond) {
        return ResultRow.builder(peer, SMALL)
                .requests(1000, perSecond)
                .megabytesPerSecond(0.1)
                .latencyMicros(500, 2000, 4000)
                .errors(0, "none")
                .tls("TLSv1.3 TLS_AES_128_GCM_SHA256")
                .build();
    }

    private static ResultRow idle(String peer, double kib) {
        return ResultRow.builder(peer, IDLE).idle(10_000, kib).build();
    }

    private static BenchReport report(List<ResultRow> rows) {
        RunInfo run = new RunInfo(
                "2026-01-01T00:00:00Z",
                false,
                "2 cores",
                "0",
                "1",
                "0",
                1,
                1,
                10,
                2,
                64,
                16,
                2000,
                10_000,
                Map.of("nginx", "nginx/1.22.1"),
                List.of("a note"));
        return new BenchReport(run, rows);
    }

    @Test
    void comparesMtlsProxyWithTheBestOtherPeerOnTheScenariosMetric() {
        BenchReport r = report(List.of(
                rate("mtls-proxy", 8000),
                rate("nginx", 10_000),
                rate("haproxy", 9000),
                idle("mtls-proxy", 30),
                idle("nginx", 20),
                idle("haproxy", 25)));
        BenchReport.Comparison rates = r.comparison(SMALL.id()).orElseThrow();
        assertEquals("nginx", rates.bestPeer());
        assertEquals(0.8, rates.ratio(), 1e-9);
        assertEquals("0.80× nginx (req/s)", rates.render());
        // Memory: lower is better, so the best other peer is the smallest.
        BenchReport.Comparison memory = r.comparison(IDLE.id()).orElseThrow();
        assertEquals("nginx", memory.bestPeer());
        assertEquals("1.50× nginx (mem/conn, lower is better)", memory.render());
    }

    @Test
    void failedRowsShowTheirReasonAndAreLeftOutOfComparisons() {
        BenchReport r = report(List.of(
                rate("mtls-proxy", 8000),
                ResultRow.failed("nginx", SMALL, "did not start: bad | config\nsecond line"),
                rate("haproxy", 4000)));
        assertEquals("haproxy", r.comparison(SMALL.id()).orElseThrow().bestPeer());
        String md = MarkdownTable.render(r);
        assertTrue(
                md.contains("| nginx | mTLS→plain, 13 B keep-alive | **failed**: did not start: bad \\| config "
                        + "second line |"),
                md);
        assertTrue(md.contains("| 2.00× haproxy (req/s) |"), md);
        assertTrue(md.contains("- a note"), md);
        // Every table line has the same number of cells.
        long columns = md.lines()
                .filter(l -> l.startsWith("| peer"))
                .findFirst()
                .orElseThrow()
                .replace("\\|", "")
                .chars()
                .filter(c -> c == '|')
                .count();
        md.lines()
                .filter(l -> l.startsWith("| "))
                .forEach(l -> assertEquals(
                        columns,
                        l.replace("\\|", "").chars().filter(c -> c == '|').count(),
                        l));
    }

    @Test
    void noComparisonWithoutMtlsProxyOrWithoutAnotherPeer() {
        assertTrue(report(List.of(rate("nginx", 1), rate("haproxy", 2)))
                .comparison(SMALL.id())
                .isEmpty());
        assertTrue(report(List.of(rate("mtls-proxy", 1))).comparison(SMALL.id()).isEmpty());
    }

    @Test
    void savesTimestampedAndLatestFilesThatReadBack(@TempDir Path dir) throws Exception {
        BenchReport r = report(List.of(rate("mtls-proxy", 8000), rate("nginx", 10_000)));
        String md = MarkdownTable.render(r);
        List<Path> files = ResultsWriter.write(r, md, dir.resolve("results"));
        assertTrue(files.get(0).getFileName().toString().matches("\\d{8}-\\d{6}\\.md"), files.toString());
        assertEquals(md, Files.readString(dir.resolve("results/latest.md")));
        assertEquals(r, ResultsWriter.readJson(dir.resolve("results/latest.json")));
        assertEquals(r, ResultsWriter.readJson(files.get(1)));
    }
}
