package io.mtlsproxy.admin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.admin.testing.Cli;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A demo that cannot bind leaves no private keys behind in a temporary directory, and says where its files are. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DemoCommandTest {
    @TempDir
    Path dir;

    @Test
    void aFailedBindRemovesTheTemporaryDirectoryAndSaysSo() throws Exception {
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Cli.Result r = Cli.run(
                    "demo", "--plain-port", busy.getLocalPort(), "--tls-port", 0, "--mtls-port", 0, "--admin-port", 0);
            assertEquals(2, r.exit(), r.err());
            Matcher removed =
                    Pattern.compile("removed (\\S+) \\(its throwaway PKI\\)").matcher(r.err());
            assertTrue(removed.find(), r.err());
            assertFalse(Files.exists(Path.of(removed.group(1))), removed.group(1) + " is gone");
        }
    }

    @Test
    void aFailedBindKeepsAStateDirAndNamesIt() throws Exception {
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Path state = dir.resolve("state");
            Cli.Result r = Cli.run(
                    "demo",
                    "--state-dir",
                    state,
                    "--plain-port",
                    0,
                    "--tls-port",
                    0,
                    "--mtls-port",
                    0,
                    "--admin-port",
                    busy.getLocalPort());
            assertEquals(2, r.exit(), r.err());
            assertTrue(r.err().contains("the PKI and demo.conf stay in " + state), r.err());
            assertTrue(Files.exists(state.resolve("demo.conf")));
        }
    }
}
