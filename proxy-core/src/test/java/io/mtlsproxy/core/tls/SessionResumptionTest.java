package io.mtlsproxy.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.core.identity.TlsFailureReason;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.TestPki;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * DESIGN: session resumption never outlives the material it was decided under. Within one build a client
 * resumes; after a reload (a new ServerTls) its ticket is worthless, and a client revoked by the new CRL cannot
 * resume its way back in. With {@code session-tickets.keys}, two replicas (two ServerTls, two servers) with one
 * key file and the same material share sessions, a rotation keeps old tickets while their key is in the file, and
 * a client revoked by a CRL reload resumes on neither replica. Observed on BoringSSL, the production provider
 * (the JDK hides whether it resumed).
 */
@Timeout(60)
class SessionResumptionTest {
    /** Replicas behind one balancer address: the client's session cache is keyed by it. */
    private static final int VIRTUAL_PORT = 443;

    private static final SecureRandom RANDOM = new SecureRandom();
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
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS)
                    .syncUninterruptibly();
        }
    }

    static ListenerConfig listener(Path crl) {
        return TestConfigs.mtls(
                "public", ClientAuth.REQUIRED, clientCa.certFile(), crl, 2, TestConfigs.pem("public", 0, server));
    }

    @Test
    void aReloadStartsNewTicketKeysSoOldSessionsDoAFullHandshake() throws Exception {
        try (LoopbackServer srv = new LoopbackServer(
                group, ServerTls.build(listener(null)), ProxyMetrics.inMemory(), "public", false, 5_000)) {
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
        try (LoopbackServer srv = new LoopbackServer(
                group, ServerTls.build(listener(null)), ProxyMetrics.inMemory(), "public", false, 5_000)) {
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

    // ---- session-tickets.keys: a fleet's shared keys, bound to the listener's material (TicketKeys) ----

    private static byte[] key() {
        byte[] k = new byte[TicketKeys.NGINX_KEY_SIZE];
        RANDOM.nextBytes(k);
        return k;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static ServerTls replica(Path crl, byte[] keys) throws Exception {
        return ServerTls.build(listener(crl), TlsSettings.DEFAULT_ALPN, Optional.of(TicketKeys.of(keys)), "");
    }

    private static LoopbackServer serve(ServerTls tls) throws Exception {
        return new LoopbackServer(group, tls, ProxyMetrics.inMemory(), "public", false, 5_000);
    }

    @Test
    void aSessionMadeOnOneReplicaResumesOnTheOther() throws Exception {
        byte[] keys = key();
        try (LoopbackServer a = serve(replica(null, keys));
                LoopbackServer b = serve(replica(null, keys))) {
            SslContext ctx = TestPeers.client(SslProvider.OPENSSL, serverCa.certFile(), clientCa.client("roamer"));
            var handler = LoopbackClient.handler(ctx, null, VIRTUAL_PORT);
            LoopbackClient.connect(group, a.port(), handler);
            assertFalse(a.next().resumed(), "first contact: full handshake");
            LoopbackClient.connect(group, b.port(), handler);
            assertTrue(b.next().resumed(), "the other replica decrypts the ticket: resumed");

            b.reload(replica(null, keys));
            LoopbackClient.connect(group, b.port(), handler);
            assertTrue(b.next().resumed(), "a reload that changes no material keeps the sessions");
        }
    }

    @Test
    void withoutSharedKeysEachReplicaHasItsOwn() throws Exception {
        try (LoopbackServer a = serve(ServerTls.build(listener(null)));
                LoopbackServer b = serve(ServerTls.build(listener(null)))) {
            SslContext ctx = TestPeers.client(SslProvider.OPENSSL, serverCa.certFile(), clientCa.client("loner"));
            var handler = LoopbackClient.handler(ctx, null, VIRTUAL_PORT);
            LoopbackClient.connect(group, a.port(), handler);
            assertTrue(a.next().success());
            LoopbackClient.connect(group, b.port(), handler);
            assertFalse(b.next().resumed(), "today's behaviour: another replica, a full handshake");
        }
    }

    @Test
    void rotationKeepsOldTicketsUntilTheirKeyLeavesTheFile() throws Exception {
        byte[] old = key();
        byte[] next = key();
        try (LoopbackServer a = serve(replica(null, old))) {
            SslContext ctx = TestPeers.client(SslProvider.OPENSSL, serverCa.certFile(), clientCa.client("rotated"));
            var handler = LoopbackClient.handler(ctx, null, VIRTUAL_PORT);
            LoopbackClient.connect(group, a.port(), handler);
            assertTrue(a.next().success());

            a.reload(replica(null, concat(next, old))); // the new key encrypts, the old one still decrypts
            LoopbackClient.connect(group, a.port(), handler);
            assertTrue(a.next().resumed(), "an old ticket resumes while its key is in the file");

            // A client arriving now gets a ticket under the new key; drop the old key and it still resumes. (A new
            // client, not the one above: Netty's client cache may keep the used ticket's entry when the resumed
            // connection's new tickets arrive, and refuse them, so that client's next try would depend on timing.)
            SslContext later = TestPeers.client(SslProvider.OPENSSL, serverCa.certFile(), clientCa.client("later"));
            var laterHandler = LoopbackClient.handler(later, null, VIRTUAL_PORT);
            LoopbackClient.connect(group, a.port(), laterHandler);
            assertFalse(a.next().resumed(), "first contact: full handshake");
            a.reload(replica(null, next));
            LoopbackClient.connect(group, a.port(), laterHandler);
            assertTrue(a.next().resumed(), "a ticket issued under the new key resumes once the old key is gone");
        }
        try (LoopbackServer fresh = serve(replica(null, old))) {
            SslContext ctx = TestPeers.client(SslProvider.OPENSSL, serverCa.certFile(), clientCa.client("dropped"));
            var handler = LoopbackClient.handler(ctx, null, VIRTUAL_PORT);
            LoopbackClient.connect(group, fresh.port(), handler);
            assertTrue(fresh.next().success());
            fresh.reload(replica(null, next));
            LoopbackClient.connect(group, fresh.port(), handler);
            assertFalse(fresh.next().resumed(), "once its key has left the file, a ticket is worthless");
        }
    }

    @Test
    void aClientRevokedByACrlReloadResumesOnNeitherReplica() throws Exception {
        byte[] keys = key();
        TestPki.Leaf laptop = clientCa.client("stolen-laptop");
        TestPki.Leaf colleague = clientCa.client("colleague");
        try (LoopbackServer a = serve(replica(null, keys));
                LoopbackServer b = serve(replica(null, keys))) {
            SslContext stolen = TestPeers.client(SslProvider.OPENSSL, serverCa.certFile(), laptop);
            var handler = LoopbackClient.handler(stolen, null, VIRTUAL_PORT);
            LoopbackClient.connect(group, a.port(), handler);
            assertTrue(a.next().success());
            LoopbackClient.connect(group, b.port(), handler);
            assertTrue(b.next().resumed(), "before the revocation the session is shared");

            Path crl = clientCa.crl(laptop);
            a.reload(replica(crl, keys));
            b.reload(replica(crl, keys));
            for (LoopbackServer replica : new LoopbackServer[] {a, b}) {
                LoopbackClient.connect(group, replica.port(), handler);
                LoopbackServer.Outcome after = replica.next();
                assertFalse(after.success(), "the revoked client must make a full handshake, and fail it");
                assertEquals(TlsFailureReason.REVOKED, TlsFailures.classify(after.cause()));
            }

            // the replicas still share sessions under the new material
            SslContext fine = TestPeers.client(SslProvider.OPENSSL, serverCa.certFile(), colleague);
            var other = LoopbackClient.handler(fine, null, VIRTUAL_PORT);
            LoopbackClient.connect(group, a.port(), other);
            assertTrue(a.next().success());
            LoopbackClient.connect(group, b.port(), other);
            assertTrue(b.next().resumed(), "same CRL on both replicas: sessions are shared again");
        }
    }

    @Test
    void aRoutePolicyChangeStartsNewKeys() throws Exception {
        byte[] keys = key();
        try (LoopbackServer a = serve(replica(null, keys))) {
            SslContext ctx = TestPeers.client(SslProvider.OPENSSL, serverCa.certFile(), clientCa.client("narrowed"));
            var handler = LoopbackClient.handler(ctx, null, VIRTUAL_PORT);
            LoopbackClient.connect(group, a.port(), handler);
            assertTrue(a.next().success());
            a.reload(ServerTls.build(
                    listener(null),
                    TlsSettings.DEFAULT_ALPN,
                    Optional.of(TicketKeys.of(keys)),
                    "orders=allow CN=someone-else;"));
            LoopbackClient.connect(group, a.port(), handler);
            assertFalse(a.next().resumed(), "a narrower allow-list: full handshake");
        }
    }

    @Test
    void aKeyFileOfTheWrongSizeIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TicketKeys.of(new byte[48]));
        assertTrue(e.getMessage().contains("48 bytes (expected: 80-byte keys back to back"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TicketKeys.of(new byte[0]));
        assertEquals(2, TicketKeys.of(new byte[160]).size());
    }
}
