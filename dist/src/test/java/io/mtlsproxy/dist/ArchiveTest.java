package io.mtlsproxy.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtlsproxy.core.testing.TestOrigin;
import io.mtlsproxy.core.testing.TestPki;
import io.mtlsproxy.core.testing.TestTls;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What a new user does with the release archive: unpack it, ask its version, check a config, run it. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ArchiveTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COMMIT = "[0-9a-f]{12}";

    @TempDir
    static Path dir;

    static UnpackedArchive archive;

    @BeforeAll
    static void unpack() throws Exception {
        archive = UnpackedArchive.unpack(dir);
    }

    @Test
    void versionNamesTheBuildAndItsCommitNotDev() throws Exception {
        UnpackedArchive.Result r = archive.run(dir, "--version");
        assertEquals(0, r.exit(), r.stderr());
        String first = r.stdout().lines().findFirst().orElse("");
        assertTrue(
                first.matches(
                        "mtls-proxy " + UnpackedArchive.VERSION.replace(".", "\\.") + " \\(commit " + COMMIT + "\\)"),
                first);
        assertTrue(r.stdout().contains("\nnetty 4."), r.stdout());
        assertTrue(r.stdout().contains("\ntls provider: "), r.stdout());
    }

    @Test
    void shipsTheLauncherLibConfSystemdLicenseAndAnSbomOfLib() throws Exception {
        Path home = archive.home;
        assertTrue(Files.isExecutable(home.resolve("bin/mtls-proxy")));
        for (String file : List.of(
                "bin/class-sharing",
                "conf/jvm.options",
                "conf/logback.xml",
                "conf/logback-json.xml",
                "conf/mtls-proxy.conf",
                "conf/routes.d/payments.conf",
                "conf/prometheus/alerts.yml",
                "systemd/mtls-proxy.service",
                "systemd/mtls-proxy.logrotate",
                "LICENSE",
                "README.md")) {
            assertTrue(Files.isRegularFile(home.resolve(file)), file);
        }
        assertTrue(Files.isExecutable(home.resolve("conf/make-example-pki.sh")));
        try (Stream<Path> all = Files.walk(home)) {
            List<String> unwanted = all.map(p -> home.relativize(p).toString())
                    .filter(p -> p.endsWith(".key")
                            || p.endsWith(".p12")
                            || p.endsWith("pom.xml")
                            || p.startsWith("conf/pki")
                            || p.contains("src/"))
                    .toList();
            assertEquals(List.of(), unwanted, "no keys, no sources");
        }

        List<String> jars;
        try (Stream<Path> lib = Files.list(home.resolve("lib"))) {
            jars = lib.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertTrue(jars.contains("proxy-admin-" + UnpackedArchive.VERSION + ".jar"), jars::toString);
        assertTrue(jars.stream().anyMatch(j -> j.startsWith("netty-tcnative-boringssl-static-")), jars::toString);
        assertFalse(
                jars.stream().anyMatch(j -> j.startsWith("junit") || j.startsWith("testcontainers")),
                "no test dependencies: " + jars);

        JsonNode bom = JSON.readTree(home.resolve("sbom.cdx.json").toFile());
        assertEquals("CycloneDX", bom.get("bomFormat").asText());
        Set<String> components = new HashSet<>();
        bom.get("components")
                .forEach(c -> components.add(
                        c.get("name").asText() + "-" + c.get("version").asText()));
        List<String> missing = new ArrayList<>();
        for (String jar : jars) {
            // name-version.jar, or name-version-classifier.jar (netty's native libraries)
            if (components.stream().noneMatch(c -> jar.equals(c + ".jar") || jar.startsWith(c + "-"))) {
                missing.add(jar);
            }
        }
        assertEquals(List.of(), missing, "every jar in lib/ is in the SBOM");
    }

    /** The Dockerfile builds the archive and copies from it: every path it copies must be there. */
    @Test
    void everyPathTheDockerfileCopiesIsInTheArchive() throws Exception {
        Path dockerfile = Path.of(System.getProperty("mtlsproxy.source"), "Dockerfile");
        List<String> sources = new ArrayList<>();
        for (String line : Files.readAllLines(dockerfile)) {
            if (line.startsWith("COPY --from=build ")) {
                String[] words = line.trim().split("\\s+");
                for (int i = 2; i < words.length - 1; i++) {
                    sources.add(words[i]);
                }
            }
        }
        assertTrue(sources.size() >= 3, "COPY --from=build lines: " + sources);
        for (String source : sources) {
            assertTrue(source.startsWith(ContainerImageTest.UNPACKED + "/"), source);
            Path inArchive = archive.home.resolve(source.substring(ContainerImageTest.UNPACKED.length() + 1));
            assertTrue(
                    Files.exists(inArchive), "the Dockerfile copies " + source + ", the archive has no " + inArchive);
        }
    }

    /**
     * check-config, then run with two routes over TLS, a request to each, /server-info, the JSON log variant
     * chosen without rebuilding, and a SIGTERM that drains and exits 0.
     */
    @Test
    void checksAndRunsATwoRouteConfigThatAnswers() throws Exception {
        Path work = Files.createDirectories(dir.resolve("run"));
        TestPki pki = new TestPki(work.resolve("pki"));
        TestPki.Ca ca = pki.ca("edge-ca");
        TestPki.Leaf server = ca.server("localhost", "localhost");
        int admin = freePort();
        int edge = freePort();
        try (TestOrigin alpha = TestOrigin.plain("alpha");
                TestOrigin beta = TestOrigin.plain("beta")) {
            Path config = work.resolve("proxy.conf");
            Files.writeString(
                    config, """
                    admin { bind = "127.0.0.1", port = %d }
                    access-log = off
                    shutdown-grace = 5s
                    listeners = [{
                      name = edge, bind = "127.0.0.1", port = %d
                      tls { mode = tls, certificates = [{ cert = "%s", key = "%s" }] }
                    }]
                    routes = [
                      { name = alpha, listener = edge, match.path-prefix = "/alpha", upstream.endpoints = ["127.0.0.1:%d"] }
                      { name = beta, listener = edge, match.path-prefix = "/beta", upstream.endpoints = ["127.0.0.1:%d"] }
                    ]
                    """.formatted(admin, edge, server.certFile(), server.keyFile(), alpha.port(), beta.port()));

            UnpackedArchive.Result check = archive.run(work, "check-config", "--config", config.toString());
            assertEquals(0, check.exit(), check.stderr());
            assertTrue(check.stdout().startsWith("configuration OK: "), check.stdout());

            Path err = work.resolve("stderr.txt");
            Process proxy = archive.launcher(
                            work,
                            Map.of(
                                    "MTLS_PROXY_JAVA_OPTS",
                                    UnpackedArchive.SMALL_JVM + " " + "-Dlogback.configurationFile="
                                            + archive.home.resolve("conf/logback-json.xml")),
                            "run",
                            "--config",
                            config.toString())
                    .redirectError(err.toFile())
                    .redirectOutput(work.resolve("stdout.txt").toFile())
                    .start();
            try {
                HttpClient plain = HttpClient.newBuilder()
                        .connectTimeout(Duration.ofSeconds(2))
                        .build();
                awaitReady(plain, admin, proxy, err);
                assertEquals(
                        "2",
                        jvmEnvironment(proxy).get("MALLOC_ARENA_MAX"),
                        "the launcher caps glibc's malloc arenas (docs/install.md)");

                HttpClient https = HttpClient.newBuilder()
                        .sslContext(TestTls.client(ca.certFile(), null))
                        .connectTimeout(Duration.ofSeconds(5))
                        .build();
                assertTrue(get(https, "https://localhost:" + edge + "/alpha/one")
                        .body()
                        .startsWith("origin=alpha\n"));
                assertTrue(get(https, "https://localhost:" + edge + "/beta/two")
                        .body()
                        .startsWith("origin=beta\n"));

                JsonNode info = JSON.readTree(
                        get(plain, "http://127.0.0.1:" + admin + "/server-info").body());
                assertEquals(UnpackedArchive.VERSION, info.get("version").asText());
                assertTrue(info.get("commit").asText().matches(COMMIT), info::toString);
                assertEquals(config.toString(), info.get("config").asText());
            } finally {
                proxy.destroy(); // SIGTERM
                assertTrue(proxy.waitFor(45, TimeUnit.SECONDS), "drained and stopped after SIGTERM");
            }
            assertEquals(0, proxy.exitValue(), Files.readString(err));

            List<JsonNode> events = new ArrayList<>();
            for (String line : Files.readAllLines(err)) {
                if (!line.isBlank()) {
                    events.add(JSON.readTree(line)); // every operational log line is one JSON object
                }
            }
            assertTrue(
                    events.stream()
                            .anyMatch(e -> e.path("level").asText().equals("INFO")
                                    && e.path("formattedMessage").asText().startsWith("admin endpoint")),
                    events::toString);
            assertTrue(
                    events.stream()
                            .anyMatch(e -> e.path("formattedMessage").asText().equals("stopped")),
                    events::toString);
        }
    }

    /** The demo, as the README's first command: its printed curl lines work, and SIGTERM ends it with 0. */
    @Test
    void runsTheDemo() throws Exception {
        Path work = Files.createDirectories(dir.resolve("demo"));
        Path out = work.resolve("stdout.txt");
        Path err = work.resolve("stderr.txt");
        Process demo = archive.launcher(
                        work,
                        Map.of(),
                        "demo",
                        "--state-dir",
                        work.resolve("state").toString(),
                        "--plain-port",
                        "0",
                        "--tls-port",
                        "0",
                        "--mtls-port",
                        "0",
                        "--admin-port",
                        "0")
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            List<String> curls = List.of();
            while (curls.size() < 9 && System.nanoTime() < deadline) {
                assertTrue(demo.isAlive(), () -> "the demo exited: " + read(err));
                Thread.sleep(200);
                curls = Files.readAllLines(out).stream()
                        .map(String::trim)
                        .filter(l -> l.startsWith("curl -sS") && l.contains("/hello?from="))
                        .toList();
            }
            assertEquals(9, curls.size(), () -> read(out) + read(err));
            String mtlsToMtls = curls.get(8);
            Process curl = new ProcessBuilder("bash", "-c", mtlsToMtls)
                    .redirectErrorStream(true)
                    .start();
            String answer = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(curl.waitFor(20, TimeUnit.SECONDS));
            assertTrue(answer.startsWith("hello from the mtls origin"), mtlsToMtls + ": " + answer);
        } finally {
            demo.destroy();
            assertTrue(demo.waitFor(45, TimeUnit.SECONDS), "stopped after SIGTERM");
        }
        assertEquals(0, demo.exitValue(), read(err));
    }

    /** The environment the JVM started with: the launcher's own process, or its child when it did not exec. */
    private static Map<String, String> jvmEnvironment(Process launcher) throws IOException {
        List<ProcessHandle> candidates = new ArrayList<>();
        candidates.add(launcher.toHandle());
        launcher.toHandle().descendants().forEach(candidates::add);
        for (ProcessHandle p : candidates) {
            Path environ = Path.of("/proc", Long.toString(p.pid()), "environ");
            String all = Files.readString(environ, StandardCharsets.ISO_8859_1);
            if (p.info().command().orElse("").endsWith("java")) {
                Map<String, String> env = new java.util.HashMap<>();
                for (String entry : all.split("\0")) {
                    int eq = entry.indexOf('=');
                    if (eq > 0) {
                        env.put(entry.substring(0, eq), entry.substring(eq + 1));
                    }
                }
                return env;
            }
        }
        throw new AssertionError("no java process under the launcher");
    }

    private static void awaitReady(HttpClient client, int admin, Process proxy, Path err) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            assertTrue(proxy.isAlive(), () -> "the proxy exited: " + read(err));
            try {
                if (get(client, "http://127.0.0.1:" + admin + "/readyz").statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("not ready within 60 s: " + read(err));
    }

    private static HttpResponse<String> get(HttpClient client, String url) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
