package io.mtlsproxy.admin.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The demo a new user runs first: every curl command it prints works when pasted into a shell. */
@Timeout(60)
class DemoTest {
    @TempDir
    static Path dir;

    static Demo demo;

    @BeforeAll
    static void start() throws Exception {
        demo = Demo.start(dir, Demo.Ports.ANY);
    }

    @AfterAll
    static void stop() {
        if (demo != null) {
            demo.shutdown();
        }
    }

    @Test
    void every_printed_curl_command_reaches_the_origin_its_path_names() throws Exception {
        List<String> commands = demo.curlCommands();
        assertEquals(9, commands.size(), "3 inbound x 3 outbound combinations");
        for (int i = 0; i < commands.size(); i++) {
            String in = DemoConfig.INBOUND.get(i / 3);
            String out = DemoConfig.OUTBOUND.get(i % 3);
            Result r = sh(commands.get(i));
            assertEquals(0, r.exit, in + " -> " + out + ": " + r.output);
            assertTrue(r.output.startsWith("hello from the " + out + " origin"), in + " -> " + out + ": " + r.output);
            assertTrue(r.output.contains("from=" + in), r.output);
            if (out.equals("mtls")) {
                assertTrue(r.output.contains("proxy's client certificate: CN=mtls-proxy"), r.output);
            }
            if (in.equals("mtls")) {
                assertTrue(r.output.contains("x-forwarded-client-cert: Hash="), r.output);
                assertTrue(r.output.contains("URI=" + DemoPki.CLIENT_SPIFFE_ID), r.output);
            }
        }
        assertTrue(demo.banner().contains(commands.get(8)), "the banner prints the commands");
    }

    @Test
    void the_mtls_listener_refuses_a_client_without_a_certificate() throws Exception {
        Result r = sh("curl -sS --cacert " + dir.resolve("ca.crt") + " https://localhost:"
                + demo.app().port("mtls") + "/plain/");
        assertNotEquals(0, r.exit, r.output);
        assertTrue(!r.output.contains("hello from"), r.output);
    }

    @Test
    void the_admin_endpoint_lists_the_demo_certificates() throws Exception {
        Result r = sh("curl -sS http://127.0.0.1:" + demo.app().adminPort() + "/certs?state=expiring");
        assertEquals(0, r.exit, r.output);
        // exactly one expiring certificate, the one named so
        assertEquals(1, r.output.split("\"state\":\"expiring\"", -1).length - 1, r.output);
        assertTrue(r.output.contains("CN=expiring-example"), r.output);
        assertTrue(r.output.contains("\"usage\":\"listener-server\""), r.output);
    }

    private record Result(int exit, String output) {}

    private static Result sh(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-c", command)
                .redirectErrorStream(true)
                .start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "curl finished: " + command);
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
