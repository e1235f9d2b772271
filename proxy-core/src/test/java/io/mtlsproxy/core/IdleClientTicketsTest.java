package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.ExternalProcess;
import io.mtlsproxy.core.testing.LeakGuard;
import io.mtlsproxy.core.testing.RecordingOrigin;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestPki;
import io.mtlsproxy.core.tls.TlsProvider;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An mTLS client that connects and then waits before its first request (a pool warming its connections, a client
 * behind a slow start) still gets its TLS 1.3 session tickets, a second or so after the handshake, and can resume with
 * one. BoringSSL holds a server's tickets until the server first writes; the proxy sends them on its own once the
 * connection has been quiet for a while, so an idle connection neither keeps them in memory nor leaves its client
 * without them. Checked with openssl s_client, which saves the session it got and offers it on its next connection.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IdleClientTicketsTest {
    @TempDir
    static Path dir;

    static RecordingOrigin origin;
    static ProxyServer proxy;
    static ProxyMetrics metrics = ProxyMetrics.inMemory();
    static TestPki.Ca serverCa;
    static TestPki.Leaf client;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(
                TlsProvider.provider() == SslProvider.OPENSSL, "the tickets are held by BoringSSL, not by the JDK");
        LeakGuard.install();
        TestPki pki = new TestPki(dir);
        serverCa = pki.ca("servers");
        TestPki.Ca clientCa = pki.ca("clients");
        client = clientCa.client("warm-pool");
        origin = RecordingOrigin.start();
        proxy = ProxyServer.builder().metrics(metrics).build();
        proxy.start(TestConfigs.config(
                dir.resolve("proxy.conf"),
                List.of(TestConfigs.listener(
                        "mtls",
                        TestConfigs.mtls(
                                serverCa.server("proxy"), clientCa.certFile(), ClientAuth.REQUIRED, true, null))),
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

    /** s_client that sends nothing for {@code quietSeconds}, then hangs up; the session it holds then goes to a file. */
    private static String sClient(double quietSeconds, String... options) throws Exception {
        StringBuilder cmd = new StringBuilder("sleep " + quietSeconds + " | " + ExternalProcess.binary("openssl"));
        for (String arg : List.of(
                "s_client",
                "-connect",
                "127.0.0.1:" + proxy.port("mtls"),
                "-servername",
                "localhost",
                "-tls1_3",
                "-CAfile",
                serverCa.certFile().toString(),
                "-cert",
                client.certFile().toString(),
                "-key",
                client.keyFile().toString())) {
            cmd.append(' ').append(arg);
        }
        for (String option : options) {
            cmd.append(' ').append(option);
        }
        ExternalProcess.Result r = ExternalProcess.run(List.of("sh", "-c", cmd.toString()), null, 30);
        return r.stdout() + r.stderr();
    }

    @Test
    void aClientThatStaysQuietGetsItsTicketsAndResumesWithThem() throws Exception {
        Path session = dir.resolve("quiet.session");
        String first = sClient(3, "-sess_out", session.toString());
        assertTrue(first.contains("New, TLSv1.3"), first);
        assertTrue(
                first.contains("Post-Handshake New Session Ticket arrived"),
                "the tickets came without a request:\n" + first);
        assertTrue(Files.size(session) > 0);

        String second = sClient(0.2, "-sess_in", session.toString());
        assertTrue(second.contains("Reused, TLSv1.3"), "resumed with the ticket of the quiet connection:\n" + second);
        assertEquals(0, metrics.failures().snapshot().size(), "no failed handshake on the way");
    }
}
