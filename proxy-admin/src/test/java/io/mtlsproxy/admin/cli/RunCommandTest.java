package io.mtlsproxy.admin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.admin.Main;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestOrigin;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run} as an operator runs it: a separate JVM, SIGHUP reloads, SIGTERM drains (the in-flight request
 * finishes, new connections are refused) and the process exits 0; a broken file is FILE:LINE: key: message, exit 2.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RunCommandTest {
    private static final Pattern BOUND = Pattern.compile("listener edge bound on /127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    private Process process;
    private TestOrigin origin;
    private final LinkedBlockingQueue<String> log = new LinkedBlockingQueue<>();

    @AfterEach
    void tearDown() {
        if (process != null) {
            process.destroyForcibly();
        }
        if (origin != null) {
            origin.close();
        }
    }

    private static String config(int originPort, String extraRoute) {
        return """
                admin { bind = "127.0.0.1", port = 0 }
                reload { watch = false }
                shutdown-grace = 10s
                access-log = "off"
                listeners = [{ name = edge, bind = "127.0.0.1", port = 0 }]
                routes = [
                  { name = main, listener = edge, match.path-prefix = "/main", upstream.endpoints = ["127.0.0.1:%1$d"] }
                  %2$s
                ]
                """.formatted(originPort, extraRoute);
    }

    /** Waits for a log line matching {@code pattern}; returns its matcher. */
    private Matcher await(Pattern pattern) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            String line = log.poll(100, TimeUnit.MILLISECONDS);
            if (line != null) {
                Matcher m = pattern.matcher(line);
                if (m.find()) {
                    return m;
                }
            }
            if (process != null && !process.isAlive() && log.isEmpty()) {
                break;
            }
        }
        throw new AssertionError("no log line like " + pattern);
    }

    private void signal(String name) throws Exception {
        assertEquals(
                0,
                new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                        .start()
                        .waitFor());
    }

    /** Starts {@code run --config conf} in its own JVM; returns the listener's port. */
    private int startRun(Path conf) throws Exception {
        launch(conf);
        return Integer.parseInt(await(BOUND).group(1));
    }

    private void launch(Path conf) throws java.io.IOException {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        Main.class.getName(),
                        "run",
                        "--config",
                        conf.toString())
                .redirectErrorStream(true)
                .start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    log.add(line);
                }
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
    }

    @Test
    void reloadsOnSighupAndDrainsOnSigterm() throws Exception {
        origin = TestOrigin.plain("origin");
        Path conf = dir.resolve("proxy.conf");
        Files.writeString(conf, config(origin.port(), ""));
        int port = startRun(conf);

        try (RawHttpClient c = RawHttpClient.connect(port)) {
            assertEquals(200, c.get("localhost", "/main/x").status());
            assertEquals(404, c.get("localhost", "/second/x").status());
        }
        Files.writeString(
                conf,
                config(
                        origin.port(),
                        ", { name = second, listener = edge, "
                                + "match.path-prefix = \"/second\", upstream.endpoints = [\"127.0.0.1:" + origin.port()
                                + "\"] }"));
        signal("HUP");
        await(Pattern.compile("reloaded .*routes\\.second \\(added\\)"));
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            assertEquals(200, c.get("localhost", "/second/x").status());
        }

        try (RawHttpClient busy = RawHttpClient.connect(port)) {
            int before = origin.requests();
            busy.send("GET /main/slow?ms=1500 HTTP/1.1\r\nHost: localhost\r\n\r\n");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (origin.requests() == before && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            signal("TERM");
            await(Pattern.compile("draining"));
            Thread.sleep(100);
            assertThrows(
                    ConnectException.class, () -> RawHttpClient.connect(port).close());
            RawHttpClient.Response r = busy.read();
            assertEquals(200, r.status(), "the in-flight request finishes");
            assertEquals("close", r.header("Connection"));
        }
        assertTrue(process.waitFor(15, TimeUnit.SECONDS), "exits within shutdown-grace");
        assertEquals(0, process.exitValue());
    }

    /**
     * A SIGHUP (systemctl reload) or SIGTERM that lands while the proxy is still starting must not end it with the
     * JVM's default action (exit 129 or 143): the HUP is a reload once it runs, the TERM a drain and exit 0.
     */
    @Test
    void signalsDuringStartAreHandledNotFatal() throws Exception {
        origin = TestOrigin.plain("origin");
        Path conf = dir.resolve("proxy.conf");
        Files.writeString(conf, config(origin.port(), ""));
        launch(conf);
        await(Pattern.compile("admin endpoint listening")); // the first line of the start, before any listener
        signal("HUP");
        int port = Integer.parseInt(await(BOUND).group(1));
        await(Pattern.compile("reloaded .*nothing changed"));
        assertTrue(process.isAlive(), "a SIGHUP during the start is a reload");
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            assertEquals(200, c.get("localhost", "/main/x").status());
        }
        signal("TERM");
        assertTrue(process.waitFor(15, TimeUnit.SECONDS), "exits within shutdown-grace");
        assertEquals(0, process.exitValue());
    }

    @Test
    void sigusr1ReopensTheAccessLogAfterLogrotateRenamedIt() throws Exception {
        origin = TestOrigin.plain("origin");
        Path accessLog = dir.resolve("access.log");
        Path rotated = dir.resolve("access.log.1");
        Path conf = dir.resolve("proxy.conf");
        Files.writeString(
                conf, config(origin.port(), "").replace("access-log = \"off\"", "access-log = \"" + accessLog + "\""));
        int port = startRun(conf);
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            assertEquals(200, c.get("localhost", "/main/before").status());
            awaitLogLine(accessLog, "/main/before");
            Files.move(accessLog, rotated);
            signal("USR1");
            await(Pattern.compile("access log reopened"));
            assertEquals(200, c.get("localhost", "/main/after").status());
            awaitLogLine(accessLog, "/main/after");
        }
        List<String> old = Files.readAllLines(rotated);
        assertEquals(1, old.size(), old.toString());
        assertTrue(old.get(0).contains("/main/before"), old.toString());
        assertEquals(1, Files.readAllLines(accessLog).size());
        signal("TERM");
        assertTrue(process.waitFor(15, TimeUnit.SECONDS));
    }

    private static void awaitLogLine(Path file, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (Files.isRegularFile(file) && Files.readString(file).contains(text)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(file + " has no line with " + text);
    }

    @Test
    void brokenConfigurationIsReportedAsFileLineKeyMessageWithExit2() throws Exception {
        Path conf = dir.resolve("broken.conf");
        Files.writeString(conf, """
                listeners = [{ name = edge, bind = "127.0.0.1", port = 0, tls { mode = mtsl } }]
                routes = []
                """);
        PrintStream original = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            code = Main.execute("run", "--config", conf.toString());
        } finally {
            System.setErr(original);
        }
        assertEquals(2, code);
        List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
        assertTrue(lines.stream().anyMatch(l -> l.startsWith(conf + ":1: listeners[0].tls.mode: ")), lines.toString());
    }

    @Test
    void aPortInUseIsOneLineWithExit1() throws Exception {
        try (java.net.ServerSocket taken =
                new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            Path conf = dir.resolve("taken.conf");
            Files.writeString(conf, """
                    admin { bind = "127.0.0.1", port = 0 }
                    access-log = off
                    listeners = [{ name = edge, bind = "127.0.0.1", port = %d }]
                    """.formatted(taken.getLocalPort()));
            PrintStream original = System.err;
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code;
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            try {
                code = Main.execute("run", "--config", conf.toString());
            } finally {
                System.setErr(original);
            }
            assertEquals(1, code, "not a configuration problem");
            String out = err.toString(StandardCharsets.UTF_8);
            assertTrue(out.contains("mtls-proxy: listener edge: cannot bind 127.0.0.1:" + taken.getLocalPort()), out);
            assertFalse(out.contains("java.io."), "no exception class for the operator: " + out);
        }
    }
}
