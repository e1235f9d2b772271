package io.mtlsproxy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.bench.report.BenchReport;
import io.mtlsproxy.bench.report.MarkdownTable;
import io.mtlsproxy.bench.report.ResultRow;
import io.mtlsproxy.bench.report.ResultsWriter;
import io.mtlsproxy.bench.scenario.Scenario;
import io.mtlsproxy.bench.scenario.Scenarios;
import io.mtlsproxy.bench.scenario.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench/run --quick} end to end, on real mtls-proxy (from the shaded jar the reactor built before this
 * module's tests), nginx and HAProxy processes: asserts correctness only (every
 * peer answered every scenario with zero errors, full handshakes were full, the h2 row spoke HTTP/2, the table and
 * files were written, every process was stopped), never speed.
 */
@Timeout(120)
class QuickBenchTest {
    static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    static final List<String> PEERS = BenchOptions.SAME_WORK_PEERS;

    @Test
    void quickRunAnswersEveryScenarioOnEveryPeerWithoutErrors(@TempDir Path out) throws Exception {
        BenchOptions options = BenchOptions.quick(REPO)
                .peers(PEERS)
                .outDir(out)
                .cpus(BenchOptions.quick(REPO).build().cpus().withoutLoaderPinning())
                .build();
        BenchReport report;
        List<ProcessHandle> processes;
        BenchRun run = new BenchRun(options, line -> {});
        try (run) {
            report = run.run();
        } finally {
            processes = run.startedProcesses();
        }

        List<String> problems = new ArrayList<>();
        for (ResultRow row : report.rows()) {
            String where = row.peer() + " " + row.scenario() + ": ";
            if (!row.ok()) {
                problems.add(where + "failed: " + row.failure());
            } else if (row.errors() > 0) {
                problems.add(where + "errors " + row.errorDetail() + " " + row.note());
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        // A cold JVM may answer nothing within a 0.2 s warm-up; but h2load must have run, over h2, without errors.
        assertTrue(
                report.run().notes().stream()
                        .filter(n -> n.contains("HTTP/2 warm-up"))
                        .allMatch(n -> n.endsWith(" answers, errors none")),
                report.run().notes().toString());
        assertEquals(PEERS.size() * Scenarios.QUICK_SUBSET.size(), report.rows().size());
        for (ResultRow row : report.rows()) {
            checkFigures(row, options);
        }

        String md = MarkdownTable.render(report);
        for (Scenario s : Scenarios.QUICK_SUBSET) {
            for (String peer : PEERS) {
                assertTrue(md.contains("| " + peer + " | " + s.label() + " | "), peer + " " + s.id() + " in\n" + md);
            }
        }
        List<Path> files = ResultsWriter.write(report, md, out);
        assertEquals(report, ResultsWriter.readJson(files.get(1)));
        assertEquals(md, Files.readString(out.resolve("latest.md")));

        assertFalse(processes.isEmpty());
        for (ProcessHandle p : processes) {
            assertFalse(
                    p.isAlive(),
                    "process " + p.pid() + " " + p.info().commandLine().orElse("") + " still runs");
        }
    }

    private static void checkFigures(ResultRow row, BenchOptions options) {
        String where = row.peer() + " " + row.scenario();
        Workload w = Scenarios.ALL.stream()
                .filter(s -> s.id().equals(row.scenario()))
                .findFirst()
                .orElseThrow()
                .workload();
        if (w == Workload.IDLE) {
            assertEquals(options.idleConnections(), row.idleConnections(), where);
            assertNotNull(row.memoryPerIdleConnectionKib(), where);
            return;
        }
        assertTrue(row.requests() > 0, where + ": no answer");
        assertTrue(row.p50Ms() > 0 && row.p50Ms() <= row.p99Ms() && row.p99Ms() <= row.p999Ms(), where);
        assertTrue(row.tls().startsWith(w.clientProtocol() + " "), where + ": " + row.tls());
        if (w.newConnectionPerRequest()) {
            assertTrue(row.handshakesPerSecond() > 0, where);
            assertEquals(0, row.resumedHandshakes(), where + ": every handshake must be a full one");
        }
        if (w.http2()) {
            // h2load and the load generator offered only h2 by ALPN, and the peer chose it.
            assertTrue(row.tls().endsWith(" h2"), where + ": " + row.tls());
        }
        if (w.h2load()) {
            // h2load does not count body bytes.
            assertNull(row.megabytesPerSecond(), where);
            assertTrue(
                    row.note()
                            .startsWith("h2load, " + options.h2Connections() + " connections × " + options.h2Streams()
                                    + " streams"),
                    where + ": " + row.note());
        } else if (w.http2()) {
            // Over mTLS, every answer's body counted and checked (13 B each).
            assertEquals(13.0, row.megabytesPerSecond() * 1e6 / row.requestsPerSecond(), 0.01, where);
            assertTrue(
                    row.note()
                            .startsWith("load generator, " + options.h2Connections() + " connections × "
                                    + options.h2Streams() + " streams"),
                    where + ": " + row.note());
        }
        if (w == Workload.STREAM) {
            assertTrue(row.megabytesPerSecond() > 0, where);
        }
    }
}
