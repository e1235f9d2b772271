package io.mtlsproxy.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The image the Dockerfile builds, run as operators run it: read-only root file system with a tmpfs /tmp, non-root,
 * configuration mounted read-only, health from /readyz, and {@code docker stop} (SIGTERM) draining. Needs a Docker
 * engine and the public Maven and Temurin images; skipped where there is none.
 */
@Testcontainers(disabledWithoutDocker = true)
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class ContainerImageTest {
    /** Where the Dockerfile's build stage unpacks the archive; it copies only from there. */
    static final String UNPACKED = "/unpacked";

    /** Built once per run; deleted when the JVM exits. */
    private static final ImageFromDockerfile IMAGE = new ImageFromDockerfile("mtls-proxy-test", true)
            .withDockerfile(Path.of(System.getProperty("mtlsproxy.source"), "Dockerfile"));

    @TempDir
    Path dir;

    private static GenericContainer<?> readOnly(GenericContainer<?> container) {
        return container
                .withTmpFs(Map.of("/tmp", "rw,exec,nosuid,size=64m")) // netty-tcnative loads its library from /tmp
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withReadonlyRootfs(true));
    }

    @Test
    void theDemoAnswersEveryInboundByOutboundCombination() throws Exception {
        try (GenericContainer<?> demo = readOnly(new GenericContainer<>(IMAGE))
                .withCommand("demo", "--state-dir", "/tmp/demo")
                .waitingFor(Wait.forLogMessage(".*/mtls/hello\\?from=mtls.*\\n", 1)
                        .withStartupTimeout(Duration.ofMinutes(2)))) {
            demo.start();
            List<String> commands = demo.getLogs(OutputFrame.OutputType.STDOUT)
                    .lines()
                    .map(String::trim)
                    .filter(l -> l.startsWith("curl -sS") && l.contains("/hello?from="))
                    .toList();
            assertEquals(9, commands.size(), "3 inbound x 3 outbound: " + commands);
            for (String command : commands) {
                Container.ExecResult r = demo.execInContainer("bash", "-c", command);
                String origin = command.replaceFirst(".*/(plain|tls|mtls)/hello.*", "$1");
                assertEquals(0, r.getExitCode(), command + ": " + r.getStderr());
                assertTrue(r.getStdout().startsWith("hello from the " + origin + " origin"), r.getStdout());
            }
        }
    }

    /** Two routes (one of them back to the admin endpoint, the other to nothing), healthy, then a drain on stop. */
    @Test
    void runsAMountedConfigBecomesHealthyAndDrainsOnDockerStop() throws Exception {
        Path config = dir.resolve("mtls-proxy.conf");
        Files.writeString(config, """
                admin { bind = "127.0.0.1", port = 9901 }
                access-log = stdout
                shutdown-grace = 5s
                listeners = [{ name = edge, bind = "0.0.0.0", port = 8443 }]
                routes = [
                  { name = health, listener = edge, match.path-prefix = "/healthz", upstream.endpoints = ["127.0.0.1:9901"] }
                  { name = nowhere, listener = edge, upstream.endpoints = ["127.0.0.1:9"] }
                ]
                """);
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        try (GenericContainer<?> proxy = readOnly(new GenericContainer<>(IMAGE))
                .withFileSystemBind(config.toString(), "/etc/mtls-proxy/mtls-proxy.conf", BindMode.READ_ONLY)
                .withExposedPorts(8443)
                .waitingFor(Wait.forHealthcheck().withStartupTimeout(Duration.ofMinutes(2)))) {
            proxy.start();
            HttpClient client = HttpClient.newHttpClient();
            String base = "http://" + proxy.getHost() + ":" + proxy.getMappedPort(8443);
            HttpResponse<String> ok = client.send(
                    HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ok.statusCode());
            assertEquals("ok\n", ok.body());
            assertEquals(
                    502,
                    client.send(
                                    HttpRequest.newBuilder(URI.create(base + "/other"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .statusCode());

            var docker = proxy.getDockerClient();
            docker.stopContainerCmd(proxy.getContainerId()).withTimeout(30).exec();
            long exit = docker.inspectContainerCmd(proxy.getContainerId())
                    .exec()
                    .getState()
                    .getExitCodeLong();
            String logs = proxy.getLogs();
            assertEquals(0, exit, logs);
            assertTrue(logs.contains("stop signal: draining") && logs.contains("stopped"), logs);
        }
    }
}
