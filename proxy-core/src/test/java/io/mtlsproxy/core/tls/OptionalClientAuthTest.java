package io.mtlsproxy.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.core.identity.PeerIdentity;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.TestPki;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code client-auth = optional}: every client gets its TLS connection, and the route decides from the identity
 * the handshake left on the channel: nothing (496 where required), a verified certificate, or a certificate that
 * failed verification with the reason (495). Runs on every available provider: the verdict travels in the
 * handshake session on both.
 */
@Timeout(60)
class OptionalClientAuthTest {
    static EventLoopGroup group;

    @TempDir
    static Path dir;

    static TestPki.Ca serverCa;
    static TestPki.Ca clientCa;
    static TestPki.Ca rogueCa;
    static TestPki.Leaf server;
    static ListenerConfig config;

    @BeforeAll
    static void pki() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        TestPki pki = new TestPki(dir);
        serverCa = pki.ca("servers");
        clientCa = pki.ca("clients");
        rogueCa = pki.ca("rogue");
        server = serverCa.server("proxy.example.com");
        config = TestConfigs.mtls(
                "public", ClientAuth.OPTIONAL, clientCa.certFile(), null, 2, TestConfigs.pem("public", 0, server));
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private PeerIdentity identityOf(SslProvider provider, TestPki.Leaf client) throws Exception {
        ServerTls tls = ServerTls.build(config, List.of("http/1.1"), provider);
        try (LoopbackServer srv = new LoopbackServer(group, tls, ProxyMetrics.inMemory(), "public", false, 5_000)) {
            SslContext ctx = TestPeers.client(provider, serverCa.certFile(), client);
            LoopbackClient.Result r =
                    LoopbackClient.connect(group, srv.port(), LoopbackClient.handler(ctx, null, srv.port()));
            assertEquals("ok", r.firstLine(), "the client reads the server's answer: the TLS connection stands");
            LoopbackServer.Outcome outcome = srv.next();
            assertTrue(outcome.success(), () -> "handshake failed: " + outcome.cause());
            return outcome.peer();
        }
    }

    @ParameterizedTest
    @MethodSource("io.mtlsproxy.core.tls.TestPeers#providers")
    void noCertificateIsAnonymous(SslProvider provider) throws Exception {
        PeerIdentity peer = identityOf(provider, null);
        assertSame(PeerIdentity.ANONYMOUS, peer);
        assertFalse(peer.presented());
    }

    @ParameterizedTest
    @MethodSource("io.mtlsproxy.core.tls.TestPeers#providers")
    void aGoodCertificateIsVerified(SslProvider provider) throws Exception {
        PeerIdentity peer = identityOf(provider, clientCa.client("orders-client", "spiffe://example.org/ns/prod/sa/x"));
        assertTrue(peer.verified());
        assertNull(peer.verificationError());
        assertEquals("CN=orders-client", peer.subject());
        assertEquals(List.of("spiffe://example.org/ns/prod/sa/x"), peer.uriSans());
        assertEquals(64, peer.sha256().length());
    }

    @ParameterizedTest
    @MethodSource("io.mtlsproxy.core.tls.TestPeers#providers")
    void aCertificateOfAnotherCaIsPresentedButNotVerified(SslProvider provider) throws Exception {
        PeerIdentity peer = identityOf(provider, rogueCa.client("intruder"));
        assertTrue(peer.presented());
        assertFalse(peer.verified());
        assertEquals("CN=intruder", peer.subject());
        assertTrue(peer.verificationError().contains("not a trusted CA"), peer.verificationError());
    }

    @ParameterizedTest
    @MethodSource("io.mtlsproxy.core.tls.TestPeers#providers")
    void anExpiredCertificateIsPresentedButNotVerified(SslProvider provider) throws Exception {
        PeerIdentity peer = identityOf(
                provider,
                clientCa.leaf("expired", TestPki.expiredClient("expired").build()));
        assertFalse(peer.verified());
        assertTrue(peer.verificationError().contains("expired"), peer.verificationError());
    }

    /**
     * The session of a client whose certificate failed is resumable (the handshake succeeded); a resumed session
     * runs no trust manager, so its verdict must be re-derived, never assumed.
     */
    @Test
    void aResumedSessionOfAFailedCertificateIsStillNotVerified() throws Exception {
        assumeTrue(TlsProvider.provider() == SslProvider.OPENSSL, "resumption is observable on BoringSSL only");
        ServerTls tls = ServerTls.build(config, List.of("http/1.1"), SslProvider.OPENSSL);
        try (LoopbackServer srv = new LoopbackServer(group, tls, ProxyMetrics.inMemory(), "public", false, 5_000)) {
            SslContext ctx = TestPeers.client(SslProvider.OPENSSL, serverCa.certFile(), rogueCa.client("resumer"));
            var handler = LoopbackClient.handler(ctx, null, srv.port());
            LoopbackClient.connect(group, srv.port(), handler);
            LoopbackServer.Outcome first = srv.next();
            assertFalse(first.resumed());
            assertFalse(first.peer().verified());
            LoopbackClient.connect(group, srv.port(), handler);
            LoopbackServer.Outcome second = srv.next();
            assertTrue(second.resumed(), "the second connection resumed the first session");
            assertTrue(second.peer().presented());
            assertFalse(second.peer().verified(), "resumption must not launder a failed certificate");
            assertTrue(second.peer().verificationError().contains("not a trusted CA"));
        }
    }
}
