package io.mtlsproxy.admin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.mtlsproxy.admin.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The command line's contract: help, usage errors and their exit codes, and --log-level. */
class CommandLineTest {
    @TempDir
    Path dir;

    private static Cli.Result run(String... args) {
        return Cli.run((Object[]) args);
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    @AfterEach
    void resetLogLevel() {
        root().setLevel(Level.INFO);
    }

    @Test
    void noCommandIsAUsageErrorWithExit2() {
        Cli.Result r = run();
        assertEquals(2, r.exit());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("mtls-proxy: a command is needed"), r.err());
        assertTrue(r.err().contains("Usage: mtls-proxy"), r.err());
    }

    @Test
    void helpListsTheCommandsAndExits0() {
        Cli.Result r = run("help");
        assertEquals(0, r.exit(), r.err());
        for (String command : List.of("run", "check-config", "demo", "pki", "help")) {
            assertTrue(r.out().contains("  " + command + " "), command + " in " + r.out());
        }
        assertTrue(r.out().contains("Exit codes:"), r.out());
    }

    @Test
    void runHelpNamesTheAdminPortTheJavaOptionsTheExitCodesAndTheLogLevel() {
        for (Cli.Result r : List.of(run("run", "--help"), run("help", "run"))) {
            assertEquals(0, r.exit(), r.err());
            for (String expected : List.of(
                    "admin.port",
                    "127.0.0.1:9901",
                    "MTLS_PROXY_JAVA_OPTS",
                    "Exit codes:",
                    "2 a usage or configuration error",
                    "--log-level")) {
                assertTrue(r.out().replaceAll("\\s+", " ").contains(expected), expected + " in " + r.out());
            }
        }
    }

    @Test
    void anUnknownCommandOrLevelIsExit2() {
        assertEquals(2, run("serve").exit());
        Cli.Result r = run("check-config", "--log-level", "loud", "--config", "x.conf");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--log-level"), r.err());
    }

    @Test
    void logLevelSetsTheRootLevelForTheCommand() throws Exception {
        Path file = dir.resolve("edge.conf");
        Files.writeString(file, """
                listeners = [{ name = edge, bind = "127.0.0.1", port = 8080 }]
                routes = [{ name = app, listener = edge, upstream.endpoints = ["127.0.0.1:9"] }]
                """);
        assertEquals(
                0,
                run("check-config", "--log-level", "debug", "--config", file.toString())
                        .exit());
        assertEquals(Level.DEBUG, root().getLevel());
        assertEquals(
                0,
                run("--log-level", "warn", "check-config", "--config", file.toString())
                        .exit());
        assertEquals(Level.WARN, root().getLevel());
    }
}
