package io.mtlsproxy.admin.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mtlsproxy.admin.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access log's disk fills up, for real: the log file is on a 64 KiB tmpfs, most of it taken by another file.
 * Requests keep flowing ({@code log()} never waits), every line that could not be written is counted in
 * {@code dropped()} (exactly: lines written plus lines dropped is lines logged), and once space returns (the other
 * file is deleted) logging resumes by itself, and every line in the file is whole JSON. Needs root for the mount
 * (CI runs as root).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AccessLogDiskFullTest {
    @TempDir
    Path dir;

    Path mount;

    @BeforeEach
    void mountSmallDisk() throws Exception {
        mount = Files.createDirectories(dir.resolve("small-disk"));
        Tools.Result r = Tools.run("", List.of("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mount.toString()));
        assumeTrue(r.exit() == 0, "mounting a tmpfs needs root: " + r.output());
    }

    @AfterEach
    void unmount() throws Exception {
        Tools.run("", List.of("umount", "-l", mount.toString()));
    }

    @Test
    void aFullDiskDropsAndCountsLinesAndLoggingResumesWhenSpaceReturns() throws Exception {
        Path filler = mount.resolve("filler");
        Files.write(filler, new byte[48 * 1024]);
        Path file = mount.resolve("access.log");
        JsonAccessLog log = JsonAccessLog.appendingTo(file, 4096);
        int logged = 0;
        long start = System.nanoTime();
        for (int i = 0; i < 400; i++) { // ~120 KB of lines for ~16 KB of space
            log.log(JsonAccessLogTest.withIdentity());
            logged++;
            if (i % 50 == 49) {
                Thread.sleep(20); // bursts, as traffic comes: some are written, the rest meet a full disk
            }
        }
        long blockedNanos = System.nanoTime() - start - TimeUnit.MILLISECONDS.toNanos(20 * 8);
        assertTrue(blockedNanos < TimeUnit.SECONDS.toNanos(1), "log() never waits for the disk: " + blockedNanos);
        awaitQuiet(log);
        assertTrue(log.dropped() > 0, "lines were dropped on the full disk");
        assertEquals(logged, lines(file) + log.dropped(), "every line is written or counted as dropped");

        Files.delete(filler); // space returns
        long droppedBefore = log.dropped();
        for (int i = 0; i < 20; i++) {
            log.log(JsonAccessLogTest.withIdentity());
            logged++;
            Thread.sleep(5);
        }
        awaitQuiet(log);
        assertEquals(droppedBefore, log.dropped(), "nothing dropped once there is space again");
        assertEquals(logged, lines(file) + log.dropped(), "every line is written or counted as dropped");
        log.close();
        for (String line : Files.readAllLines(file)) {
            assertEquals(
                    "public",
                    JsonAccessLogTest.JSON.readTree(line).get("listener").asText(),
                    line);
        }
    }

    private static long lines(Path file) throws Exception {
        return Files.readAllLines(file).size();
    }

    /** Until the writer has taken everything (it flushes when its queue runs empty). */
    private static void awaitQuiet(JsonAccessLog log) throws InterruptedException {
        Thread.sleep(500);
    }
}
