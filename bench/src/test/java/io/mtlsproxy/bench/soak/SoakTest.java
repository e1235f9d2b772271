package io.mtlsproxy.bench.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench/soak} in 20 seconds against a real mtls-proxy process (the shaded jar the reactor built before this
 * module's tests) with fast timers: every kind of change several times and one origin fault. Asserts zero
 * unexpected errors, that every change was reloaded and verified on the wire, that the fault's failures (if any)
 * were classified as expected, and that nothing is left running. Flatness needs minutes, so it is reported here
 * but not asserted.
 */
@Timeout(60)
class SoakTest {
    static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @Test
    void shortSoakHasNoUnexpectedErrorsAndEveryChangeTakesEffect(@TempDir Path out) throws Exception {
        SoakOptions options = SoakOptions.defaults(REPO)
                .duration(Duration.ofSeconds(20))
                .rotateEvery(Duration.ofSeconds(15)) // valid 30 s (the least allowed): renewed at about 14 s
                .crlEvery(Duration.ofSeconds(5))
                .routeEditEvery(Duration.ofSeconds(4))
                .signalEvery(Duration.ofSeconds(6))
                .adminReloadEvery(Duration.ofSeconds(6))
                .faultEvery(Duration.ofSeconds(16))
                .faultFor(Duration.ofSeconds(3))
                .sampleEvery(Duration.ofSeconds(2))
                .gcEvery(Duration.ofSeconds(4))
                .outDir(out)
                .build();
        SoakReport report;
        List<ProcessHandle> processes;
        Soak soak = new Soak(options, line -> {});
        try (soak) {
            report = soak.run();
        } finally {
            processes = soak.startedProcesses();
        }
        String md = SoakMarkdown.render(report);

        assertEquals(0, report.unexpectedErrors(), md);
        assertTrue(report.requestsOk() > 500, md);
        for (SoakReport.FlowOutcome f : report.flows()) {
            assertTrue(f.ok() > 0, f.flow() + " answered nothing\n" + md);
        }
        for (SoakReport.ChangeOutcome c : report.changes()) {
            assertTrue(c.done() >= 1, c.change() + " never happened\n" + md);
            assertEquals(c.done(), c.verified(), c.change() + "\n" + md);
        }
        // Every change was seen on the wire above; two that land within the file watcher's debounce (or a SIGHUP
        // during a reload) share one reload, so the reload count may be lower than the change count.
        long kinds = report.changes().size();
        assertTrue(report.reloadsOk() >= kinds, md);
        assertEquals(0, report.reloadsFailed(), md);
        assertEquals(1, report.faults(), md);
        // New connections saw the proxy's renewals of its certificate (the last may land as the load stops).
        int serverRenewals = report.changes().get(0).done();
        assertTrue(report.serverCertificatesSeen() >= serverRenewals, md);
        assertTrue(
                report.series().stream().allMatch(s -> s.series().startsWith("heap after") || s.samples() > 2),
                "a reading every 2 s of every series (the forced GC depends on jcmd attaching)\n" + md);

        List<Path> files = SoakResults.write(report, md, out);
        assertTrue(Files.readString(files.get(0)).contains("| **unexpected errors** | **0** |"));
        assertEquals(report.requestsOk(), SoakResults.read(files.get(1)).requestsOk());

        assertFalse(processes.isEmpty());
        for (ProcessHandle p : processes) {
            assertFalse(
                    p.isAlive(),
                    "process " + p.pid() + " " + p.info().commandLine().orElse("") + " still runs");
        }
    }
}
