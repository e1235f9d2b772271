package io.mtlsproxy.admin.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.admin.Main;
import io.mtlsproxy.core.testing.ExternalProcess;
import io.mtlsproxy.core.testing.OpenSslRenegotiation;
import io.mtlsproxy.core.testing.TestOrigin;
import io.mtlsproxy.core.testing.TestPki;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
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
 * The JDK's TLS provider (the fallback when BoringSSL cannot load) is as strict as BoringSSL: no renegotiation,
 * no TLS 1.0/1.1, no CBC suite. It runs in a separate {@code run} process because the JDK reads its renegotiation
 * switch once per JVM, at the first server handshake, which in a shared test JVM may long be over.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JdkProviderTlsHardeningTest {
    private static final Pattern BOUND = Pattern.compile("listener edge bound on /127\\.0\\.0\\.1:(\\d+)");
    private static final String GET = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

    @TempDir
    Path dir;

    private Process process;
    private TestOrigin origin;
    private final LinkedBlockingQueue<String> log = new LinkedBlockingQueue<>();
    private final List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() {
        if (process != null) {
            process.destroyForcibly();
        }
        if (origin != null) {
            origin.close();
        }
    }

    @Test
    void jdkProviderRefusesRenegotiationOldVersionsAndWeakSuites() throws Exception {
        TestPki pki = new TestPki(dir);
        TestPki.Ca ca = pki.ca("servers");
        TestPki.Leaf server = ca.server("proxy");
        origin = TestOrigin.plain("origin");
        Path conf = dir.resolve("proxy.conf");
        Files.writeString(conf, """
                admin { bind = "127.0.0.1", port = 0 }
                reload { watch = false }
                shutdown-grace = 2s
                access-log = "off"
                listeners = [{ name = edge, bind = "127.0.0.1", port = 0,
                  tls { mode = tls, certificates = [{ cert = "%s", key = "%s" }] } }]
                routes = [{ name = main, listener = edge, match.path-prefix = "/",
                            upstream.endpoints = ["127.0.0.1:%d"] }]
                """.formatted(server.certFile(), server.keyFile(), origin.port()));
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder(
                        java,
                        "-Dmtlsproxy.tls.provider=jdk",
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
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        int port = Integer.parseInt(await(BOUND).group(1));
        assertTrue(lines.stream().anyMatch(l -> l.contains("TLS provider JDK")), String.join("\n", lines));

        ExternalProcess.Result fine = sClient(port, ca, GET, "-tls1_2", "-ign_eof");
        assertTrue(fine.stdout().contains("HTTP/1.1 200"), fine.stdout() + fine.stderr());

        ExternalProcess.Result reneg = OpenSslRenegotiation.attempt(port, ca.certFile());
        String all = reneg.stdout() + reneg.stderr();
        assertTrue(all.contains("RENEGOTIATING"), all);
        assertTrue(all.contains("alert handshake failure"), "the JDK's answer to a renegotiation: " + all);
        assertFalse(reneg.stdout().contains("HTTP/1.1"), "the request after the attempt is never served: " + all);

        for (String old : List.of("-tls1", "-tls1_1")) {
            ExternalProcess.Result r = sClient(port, ca, GET, old, "-cipher", "DEFAULT:@SECLEVEL=0");
            assertNotEquals(0, r.exitCode(), old + ": " + r.stdout());
            assertFalse(r.stdout().contains("HTTP/1.1"), old);
        }
        ExternalProcess.Result cbc = sClient(port, ca, GET, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0");
        assertNotEquals(0, cbc.exitCode(), cbc.stdout());
        assertFalse(cbc.stdout().contains("HTTP/1.1"));
    }

    private static ExternalProcess.Result sClient(int port, TestPki.Ca ca, String stdin, String... options)
            throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                ExternalProcess.binary("openssl"),
                "s_client",
                "-connect",
                "127.0.0.1:" + port,
                "-servername",
                "localhost",
                "-CAfile",
                ca.certFile().toString()));
        cmd.addAll(List.of(options));
        return ExternalProcess.run(cmd, stdin, 20);
    }

    private Matcher await(Pattern pattern) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            String line = log.poll(100, TimeUnit.MILLISECONDS);
            if (line != null) {
                Matcher m = pattern.matcher(line);
                if (m.find()) {
                    return m;
                }
            }
        }
        throw new AssertionError("no log line like " + pattern + " in:\n" + String.join("\n", lines));
    }
}
