package io.mtlsproxy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.bench.report.BenchReport;
import io.mtlsproxy.bench.report.MarkdownTable;
import io.mtlsproxy.bench.report.ResultRow;
import io.mtlsproxy.bench.scenario.Scenarios;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The peers an outsider would configure (nginx and HAProxy adding no header) and the outsider's load generator
 * (mtlsload, Go) run end to end on the keep-alive mTLS row, next to the bench's own generator: every row answers
 * without error and carries the peer's CPU per request. Correctness only, never speed.
 */
@Timeout(120)
class CrossCheckBenchTest {
    private static final List<String> PEERS = List.of("mtls-proxy", "nginx-minimal", "haproxy-minimal");

    @Test
    void minimalPeersAndMtlsloadAnswerTheKeepAliveMtlsRow(@TempDir Path out) throws Exception {
        BenchOptions quick = BenchOptions.quick(QuickBenchTest.REPO).build();
        BenchOptions options = BenchOptions.quick(QuickBenchTest.REPO)
                .peers(PEERS)
                .scenarios(Scenarios.parse("mtls-plain-small,mtls-plain-small-mtlsload"))
                .outDir(out)
                .cpus(quick.cpus().withoutLoaderPinning())
                .build();
        BenchReport report;
        try (BenchRun run = new BenchRun(options, line -> {})) {
            report = run.run();
        }
        assertEquals(PEERS.size() * 2, report.rows().size());
        List<String> problems = new ArrayList<>();
        for (ResultRow row : report.rows()) {
            String where = row.peer() + " " + row.scenario() + ": ";
            if (!row.ok()) {
                problems.add(where + "failed: " + row.failure());
            } else if (row.errors() > 0 || row.requests() == 0) {
                problems.add(where + row.requests() + " answers, errors " + row.errorDetail() + " " + row.note());
            } else {
                assertNotNull(row.cpuMicrosPerRequest(), where + "no CPU per request");
                assertTrue(row.cpuMicrosPerRequest() > 0, where + row.cpuMicrosPerRequest());
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        String md = MarkdownTable.render(report);
        assertTrue(md.contains("| nginx-minimal | mTLS→plain, 13 B keep-alive (mtlsload) | "), md);
    }
}
