package io.mtlsproxy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.bench.report.BenchReport;
import io.mtlsproxy.bench.report.MarkdownTable;
import io.mtlsproxy.bench.report.ResultRow;
import io.mtlsproxy.bench.scenario.Scenarios;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A peer that cannot start becomes failed rows with the reason, and the run still cleans up after itself. */
@Timeout(60)
class PeerFailureTest {
    @Test
    void peerThatCannotStartIsAFailedRowNotACrash(@TempDir Path out) throws Exception {
        BenchOptions options = BenchOptions.quick(QuickBenchTest.REPO)
                .peers(List.of("haproxy"))
                .haproxy(Path.of("/nonexistent/haproxy"))
                .scenarios(Scenarios.parse("mtls-plain-small,idle"))
                .outDir(out)
                .cpus(BenchOptions.quick(QuickBenchTest.REPO).build().cpus().withoutLoaderPinning())
                .build();
        BenchRun run = new BenchRun(options, line -> {});
        BenchReport report;
        try (run) {
            report = run.run();
        }
        assertEquals(2, report.rows().size());
        for (ResultRow row : report.rows()) {
            assertFalse(row.ok());
            assertEquals("did not start: haproxy: /nonexistent/haproxy is not an executable file", row.failure());
        }
        assertTrue(MarkdownTable.render(report)
                .contains("| haproxy | mTLS→plain, idle connections | **failed**: "
                        + "did not start: haproxy: /nonexistent/haproxy is not an executable file |"));
        List<ProcessHandle> started = run.startedProcesses();
        assertFalse(started.isEmpty(), "the origin was started");
        started.forEach(p -> assertFalse(p.isAlive(), "process " + p.pid() + " still runs"));
    }
}
