package io.mtlsproxy.admin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.admin.Main;
import io.mtlsproxy.admin.app.ProxyApp;
import io.mtlsproxy.admin.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/rotation.md, "A client CA rollover", run as the page says: every command of the section, in order, in a
 * copy of the example configuration with its PKI, against a proxy running it; each must print what the page
 * shows. Only the ports differ (the example's are taken by any free one) and {@code bin/mtls-proxy} runs this
 * build's classes.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClientCaRolloverDocTest {
    @TempDir
    Path work;

    @Test
    void theRolloverRunsAsWritten() throws Exception {
        Path conf = ExamplePki.copyShippedConf(work);
        ExamplePki.write(conf.resolve("pki"));
        Path main = conf.resolve("mtls-proxy.conf");
        Files.writeString(
                main,
                Files.readString(main)
                        .replaceAll("port = \\d+", "port = 0")
                        .replace("access-log = \"stdout\"", "access-log = \"off\""));
        launcher();
        // the old CA's client certificate, as conf/make-example-pki.sh makes it
        assertEquals(
                0,
                Main.execute(
                        "pki",
                        "issue",
                        "--ca",
                        conf.resolve("pki/clients-ca").toString(),
                        "--type",
                        "client",
                        "--cn",
                        "checkout",
                        "--uri",
                        "spiffe://example.org/ns/prod/sa/checkout",
                        "--out",
                        conf.resolve("pki/clients").toString()));

        ConsoleBlocks page = ConsoleBlocks.of(Tools.repoRoot().resolve("docs/rotation.md"), "## A client CA rollover");
        assertTrue(page.steps().size() >= 10, "the section's commands: " + page.steps());
        try (ProxyApp app = ProxyApp.start(main)) {
            for (ConsoleBlocks.Step step : page.steps()) {
                String command = step.command()
                        .replace("8443", String.valueOf(app.port("public")))
                        .replace("9901", String.valueOf(app.adminPort()));
                Tools.Result r = Tools.run("", List.of("bash", "-c", command + " 2>&1", "-"), work);
                assertTrue(
                        step.printed(r.output()),
                        "$ " + command + "\nprinted:\n" + r.output() + "\nthe page shows:\n"
                                + String.join("\n", step.shown()));
            }
        }
    }

    /** bin/mtls-proxy for the page's commands: this build's classes, as the real launcher runs the jar. */
    private void launcher() throws Exception {
        Path bin = Files.createDirectories(work.resolve("bin"));
        Path script = bin.resolve("mtls-proxy");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(
                script,
                "#!/bin/sh\nexec '" + java + "' -cp '" + System.getProperty("java.class.path")
                        + "' io.mtlsproxy.admin.Main \"$@\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
