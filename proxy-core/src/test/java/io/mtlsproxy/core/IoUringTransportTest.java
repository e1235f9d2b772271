package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.Limits;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.core.testing.ExternalProcess;
import io.mtlsproxy.core.testing.LeakGuard;
import io.mtlsproxy.core.testing.RecordingOrigin;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestPki;
import io.netty.channel.uring.IoUring;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The io_uring transport ({@code -Dmtlsproxy.transport=io_uring}), where the kernel allows it: an operator's story
 * on it. A client with a certificate is served; a refused one still reads the alert that says why (io_uring completes
 * a write after the flush that sent it, so the output may only shut once the alert has left); and a listener bound
 * to {@code 0.0.0.0}, which io_uring would bind as {@code ::}, is refused with what to bind instead.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IoUringTransportTest {
    @TempDir
    static Path dir;

    static RecordingOrigin origin;
    static ProxyServer proxy;
    static TestPki.Ca serverCa;
    static TestPki.Ca clientCa;
    static TestPki.Leaf server;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(IoUring.isAvailable(), "io_uring is not allowed here");
        LeakGuard.install();
        TestPki pki = new TestPki(dir);
        serverCa = pki.ca("servers");
        clientCa = pki.ca("clients");
        server = serverCa.server("proxy");
        origin = RecordingOrigin.start();
        proxy = ProxyServer.builder().transport(Transport.ioUring()).build();
        proxy.start(TestConfigs.config(
                dir.resolve("proxy.conf"),
                List.of(TestConfigs.listener(
                        "mtls", TestConfigs.mtls(server, clientCa.certFile(), ClientAuth.REQUIRED, true, null))),
                List.of(TestConfigs.route("mtls", "mtls")
                        .endpoint(origin.port())
                        .build())));
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (origin != null) {
            origin.close();
        }
        LeakGuard.assertNoLeaks();
    }

    private static String curl(TestPki.Leaf identity) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                ExternalProcess.binary("curl"),
                "-sSv",
                "-w",
                "\nstatus=%{http_code}\n",
                "--cacert",
                serverCa.certFile().toString(),
                "--cert",
                identity.certFile().toString(),
                "--key",
                identity.keyFile().toString(),
                "https://localhost:" + proxy.port("mtls") + "/uring"));
        ExternalProcess.Result r = ExternalProcess.run(cmd, null, 20);
        return r.stdout() + r.stderr();
    }

    @Test
    void aClientWithACertificateIsServed() throws Exception {
        for (int i = 0; i < 3; i++) {
            String out = curl(clientCa.client("client-" + i));
            assertTrue(out.contains("status=200"), out); // over HTTP/2: curl offers h2 by ALPN
        }
        assertTrue(origin.requests().stream().allMatch(r -> r.uri().equals("/uring")), origin.requests()::toString);
        assertEquals(3, origin.requests().size());
    }

    @Test
    void aRefusedClientReadsTheAlertThatSaysWhy() throws Exception {
        TestPki stranger = new TestPki(dir.resolve("elsewhere"));
        String out = curl(stranger.ca("elsewhere").client("stranger"));
        // curl -v prints the alert as 512 + its number: unknown_ca is 48
        assertTrue(
                out.matches("(?s).*TLS alert, [^\\n]*\\(560\\).*"), "the unknown_ca alert reached the client:\n" + out);
    }

    @Test
    void theIpv4WildcardIsRefusedWithWhatToBindInstead() {
        ProxyServer wildcard =
                ProxyServer.builder().transport(Transport.ioUring()).build();
        try {
            ListenerConfig any4 = new ListenerConfig(
                    "any4", "0.0.0.0", 0, false, ListenerTls.plain(), Limits.DEFAULT, TestConfigs.SOURCE);
            IOException refused = assertThrows(
                    IOException.class,
                    () -> wildcard.start(TestConfigs.config(
                            dir.resolve("wildcard.conf"),
                            List.of(any4),
                            List.of(TestConfigs.route("any4", "any4")
                                    .endpoint(9)
                                    .build()))));
            assertTrue(refused.getMessage().contains("listener any4"), refused.getMessage());
            assertTrue(refused.getMessage().contains("bind \"::\""), refused.getMessage());
        } finally {
            wildcard.close();
        }
    }
}
