package io.mtlsproxy.admin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
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

import io.mtlsproxy.admin.Main;
import picocli.CommandLine;

/** A demo that cannot bind leaves no private keys behind in a temporary directory, and says where its files are. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DemoCommandTest {
    @TempDir
    Path dir;

    private static int demo(StringWriter err, String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void aFailedBindRemovesTheTemporaryDirectoryAndSaysSo() throws Exception {
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            StringWriter err = new StringWriter();
            int exit = demo(err, "demo", "--plain-port", String.valueOf(busy.getLocalPort()), "--tls-port", "0",
                    "--mtls-port", "0", "--admin-port", "0");
            assertEquals(2, exit, err.toString());
            Matcher removed = Pattern.compile("removed (\\S+) \\(its throwaway PKI\\)").matcher(err.toString());
            assertTrue(removed.find(), err.toString());
            assertFalse(Files.exists(Path.of(removed.group(1))), removed.group(1) + " is gone");
        }
    }

    @Test
    void aFailedBindKeepsAStateDirAndNamesIt() throws Exception {
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Path state = dir.resolve("state");
            StringWriter err = new StringWriter();
            int exit = demo(err, "demo", "--state-dir", state.toString(), "--plain-port", "0", "--tls-port", "0",
                    "--mtls-port", "0", "--admin-port", String.valueOf(busy.getLocalPort()));
            assertEquals(2, exit, err.toString());
            assertTrue(err.toString().contains("the PKI and demo.conf stay in " + state), err.toString());
            assertTrue(Files.exists(state.resolve("demo.conf")));
        }
    }
}
