package io.mtlsproxy.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.core.testing.ExternalProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * systemd/mtls-proxy.service as shipped in the archive: systemd's own checks accept it, and its sandbox rates "OK"
 * or better. The unit names /opt/mtls-proxy; the copy checked here names the unpacked archive instead, so that
 * {@code verify} finds the real launcher.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SystemdUnitTest {
    private static final Pattern EXPOSURE =
            Pattern.compile("Overall exposure level for mtls-proxy\\.service: " + "(\\d+\\.\\d) (\\w+)");

    @TempDir
    static Path dir;

    static UnpackedArchive archive;
    static Path unit;

    @BeforeAll
    static void unpack() throws Exception {
        archive = UnpackedArchive.unpack(dir);
        unit = archive.home.resolve("systemd/mtls-proxy.service");
    }

    @Test
    void systemdAnalyzeVerifyAcceptsTheUnit() throws Exception {
        Path copy = Files.createDirectories(dir.resolve("units")).resolve("mtls-proxy.service");
        Files.writeString(copy, Files.readString(unit).replace("/opt/mtls-proxy", archive.home.toString()));
        ExternalProcess.Result r = ExternalProcess.run(
                List.of(ExternalProcess.binary("systemd-analyze"), "verify", copy.toString()), "", 60);
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertEquals("", r.stderr().strip(), "no warning either");
    }

    @Test
    void theSandboxRatesOkOrBetter() throws Exception {
        ExternalProcess.Result r = ExternalProcess.run(
                List.of(
                        ExternalProcess.binary("systemd-analyze"),
                        "security",
                        "--offline=true",
                        "--no-pager",
                        unit.toString()),
                "",
                60);
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        Matcher m = EXPOSURE.matcher(r.stdout());
        assertTrue(m.find(), r.stdout());
        assertTrue(List.of("OK", "SAFE", "PERFECT").contains(m.group(2)), m.group());
        assertTrue(Double.parseDouble(m.group(1)) < 2.0, "exposure went up from 1.5: " + m.group());
    }

    @Test
    void theUnitReloadsWithSighupStopsAfterTheGraceAndCanWriteOnlyStateAndLogs() throws Exception {
        String text = Files.readString(unit);
        for (String line : List.of(
                "ExecReload=/bin/kill -HUP $MAINPID",
                "KillSignal=SIGTERM",
                "User=mtls-proxy",
                "AmbientCapabilities=CAP_NET_BIND_SERVICE",
                "ProtectSystem=strict",
                "NoNewPrivileges=yes",
                "PrivateTmp=yes",
                "StateDirectory=mtls-proxy",
                "LogsDirectory=mtls-proxy")) {
            assertTrue(text.lines().anyMatch(line::equals), line);
        }
        Matcher stop = Pattern.compile("(?m)^TimeoutStopSec=(\\d+)s$").matcher(text);
        assertTrue(stop.find());
        assertTrue(Integer.parseInt(stop.group(1)) > 30, "longer than the default shutdown-grace (30s)");
        assertTrue(text.lines().noneMatch(l -> l.startsWith("ReadWritePaths=")), "writable: the two directories only");
    }
}
