package io.mtlsproxy.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.metrics.TlsFailureReason;
import io.mtlsproxy.core.testing.TestPki;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;

/**
 * DESIGN: session resumption never outlives the material it was decided under. Within one build a client
 * resumes; after a reload (a new ServerTls) its ticket is worthless, and a client revoked by the new CRL cannot
 * resume its way back in. Observed on BoringSSL, the production provider (the JDK hides whether it resumed).
 */
@Timeout(60)
class SessionResumptionTest {
    static EventLoopGroup group;
    @TempDir
    static Path dir;
    static TestPki.Ca serverCa;
    static TestPki.Ca clientCa;
    static TestPki.Leaf server;

    @BeforeAll
    static void pki() {
        assumeTrue(TlsProvider.provider() == SslProvider.OPENSSL, "needs BoringSSL to observe resumption");
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        TestPki pki = new TestPki(dir);
        serverCa = pki.ca("servers");
        clientCa = pki.ca("clients");
        server = serverCa.server("proxy.example.com");
    }

    @AfterAll
    static void stop() {
        if (group != null) {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    static ListenerConfig listener(Path crl) {
        return TestConfigs.mtls("public", ClientAuth.REQUIRED, clientCa.certFile(), crl, 2,
                TestConfigs.pem("public", 0, server));
    }

    @Test
    void aReloadStartsNewTicketKeysSoOldSessionsDoAFullHandshake() throws Exception {
        try (LoopbackServer srv = new LoopbackServer(group, ServerTls.build(listener(null)), ProxyMetrics.inMemory(),
                "public", false, 5_000)) {
            SslContext ctx = TestPeers.client(SslProvider.OPENSSL, serverCa.certFile(), clientCa.client("returning"));
            var handler = LoopbackClient.handler(ctx, null, srv.port());
            LoopbackClient.connect(group, srv.port(), handler);
            assertFalse(srv.next().resumed(), "first contact: full handshake");
            LoopbackClient.connect(group, srv.port(), handler);
            assertTrue(srv.next().resumed(), "same material: the client resumes");

            srv.reload(ServerTls.build(listener(null)));
            LoopbackClient.connect(group, srv.port(), handler);
            LoopbackServer.Outcome afterReload = srv.next();
            assertTrue(afterReload.success());
            assertFalse(afterReload.resumed(), "after a reload the old ticket is unknown: full handshake");
        }
    }

    @Test
    void aClientRevokedByAReloadCannotResumeItsWayBackIn() throws Exception {
        TestPki.Leaf laptop = clientCa.client("laptop-to-be-stolen");
        try (LoopbackServer srv = new LoopbackServer(group, ServerTls.build(listener(null)), ProxyMetrics.inMemory(),
                "public", false, 5_000)) {
            SslContext ctx = TestPeers.client(SslProvider.OPENSSL, serverCa.certFile(), laptop);
            var handler = LoopbackClient.handler(ctx, null, srv.port());
            LoopbackClient.connect(group, srv.port(), handler);
            assertTrue(srv.next().success());

            srv.reload(ServerTls.build(listener(clientCa.crl(laptop))));
            LoopbackClient.connect(group, srv.port(), handler);
            LoopbackServer.Outcome after = srv.next();
            assertFalse(after.success(), "the revoked client must do a full handshake, and fail it");
            assertEquals(TlsFailureReason.REVOKED, TlsFailures.classify(after.cause()));
        }
    }
}
