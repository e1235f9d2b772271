package io.mtlsproxy.admin.cli.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.mtlsproxy.admin.testing.Cli;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code pki} makes works with the tools operators already trust: openssl's s_server requiring a client
 * certificate, and curl presenting one. Server and client certificates both come from {@code pki issue}.
 */
@Timeout(90)
class MutualTlsInteropTest {
    @TempDir
    Path tmp;

    Path ca;
    Path pki;
    Process server;
    int port;

    @BeforeEach
    void makePki() {
        ca = tmp.resolve("ca");
        pki = tmp.resolve("pki");
        Cli.ok("pki", "init-ca", "--out", ca, "--cn", "Edge CA");
        Cli.ok(
                "pki",
                "issue",
                "--ca",
                ca,
                "--type",
                "server",
                "--cn",
                "localhost",
                "--dns",
                "localhost",
                "--ip",
                "127.0.0.1",
                "--out",
                pki);
        Cli.ok(
                "pki",
                "issue",
                "--ca",
                ca,
                "--type",
                "client",
                "--cn",
                "orders-client",
                "--uri",
                "spiffe://example.org/ns/prod/sa/checkout",
                "--out",
                pki);
    }

    @AfterEach
    void stopServer() throws InterruptedException {
        if (server != null) {
            server.destroy();
            if (!server.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void curlWithAnIssuedClientCertificateCompletesMutualTls() throws Exception {
        startServer();
        Tools.Output ok = curl("--cert", pki.resolve("orders-client.crt"), "--key", pki.resolve("orders-client.key"));
        assertEquals(0, ok.exit(), ok.text());
        assertTrue(ok.text().contains("Client certificate"), ok.text()); // s_server -www echoes the peer's cert
        assertTrue(ok.text().contains("Subject: CN=orders-client"), ok.text());
        assertTrue(ok.text().contains("URI:spiffe://example.org/ns/prod/sa/checkout"), ok.text());

        Tools.Output anonymous = curl();
        assertNotEquals(0, anonymous.exit(), "no client certificate, no handshake: " + anonymous.text());
    }

    @Test
    void aRenewedPairStillHandshakesAndARevokedClientDoesNot() throws Exception {
        Cli.ok("pki", "renew", "--ca", ca, "--cert", pki.resolve("localhost.crt"));
        Cli.ok("pki", "renew", "--ca", ca, "--cert", pki.resolve("orders-client.crt"));
        Cli.ok("pki", "issue", "--ca", ca, "--type", "client", "--cn", "mallory", "--out", pki);
        Cli.ok("pki", "revoke", "--ca", ca, "--cert", pki.resolve("mallory.crt"));
        startServer("-crl_check", "-CRL", ca.resolve("crl.pem"));

        Tools.Output renewed =
                curl("--cert", pki.resolve("orders-client.crt"), "--key", pki.resolve("orders-client.key"));
        assertEquals(0, renewed.exit(), renewed.text());
        assertTrue(renewed.text().contains("Subject: CN=orders-client"), renewed.text());

        Tools.Output revoked = curl("--cert", pki.resolve("mallory.crt"), "--key", pki.resolve("mallory.key"));
        assertNotEquals(0, revoked.exit(), "a revoked client is refused: " + revoked.text());
    }

    private Tools.Output curl(Object... args) {
        List<String> command = new ArrayList<>(List.of(
                Tools.find("curl").toString(),
                "-sS",
                "--max-time",
                "10",
                "--cacert",
                ca.resolve("ca.crt").toString()));
        for (Object a : args) {
            command.add(String.valueOf(a));
        }
        command.add("https://localhost:" + port + "/");
        return Tools.run(Duration.ofSeconds(20), command);
    }

    /** s_server on an ephemeral port; a port taken between probe and bind makes it exit, so try again. */
    private void startServer(Object... extra) throws Exception {
        String lastLog = "";
        for (int attempt = 1; attempt <= 5; attempt++) {
            port = freePort();
            Path log = tmp.resolve("s_server-" + attempt + ".log");
            List<String> command = new ArrayList<>(List.of(
                    Tools.find("openssl").toString(),
                    "s_server",
                    "-accept",
                    "127.0.0.1:" + port,
                    "-cert",
                    pki.resolve("localhost.crt").toString(),
                    "-key",
                    pki.resolve("localhost.key").toString(),
                    "-CAfile",
                    ca.resolve("ca.crt").toString(),
                    "-Verify",
                    "1",
                    "-verify_return_error",
                    "-www"));
            for (Object e : extra) {
                command.add(String.valueOf(e));
            }
            server = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline) {
                if (Files.exists(log) && Files.readString(log).contains("ACCEPT")) {
                    return;
                }
                if (!server.isAlive()) {
                    break; // bind failed: another port
                }
                Thread.sleep(20);
            }
            server.destroyForcibly().waitFor();
            lastLog = Files.exists(log) ? Files.readString(log) : "";
        }
        fail("openssl s_server did not start:\n" + lastLog);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
