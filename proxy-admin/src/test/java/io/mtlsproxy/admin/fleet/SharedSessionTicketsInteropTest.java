package io.mtlsproxy.admin.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mtlsproxy.admin.testing.AdminClient;
import io.mtlsproxy.admin.testing.ProxyProcess;
import io.mtlsproxy.core.testing.ExternalProcess;
import io.mtlsproxy.core.testing.TestOrigin;
import io.mtlsproxy.core.testing.TestPki;
import io.mtlsproxy.core.tls.TlsProvider;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two proxy processes with one {@code session-tickets.keys} file, driven by {@code openssl s_client}: a TLS 1.3
 * session made on the first resumes on the second ("Reused"); a key rotation by reload keeps old tickets while
 * their key is in the file; a client revoked by a CRL reload resumes on neither.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SharedSessionTicketsInteropTest {
    private static final String GET = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path dir;

    private TestOrigin origin;
    private final List<ProxyProcess> replicas = new ArrayList<>();
    private TestPki.Ca serverCa;
    private TestPki.Ca clientCa;

    @AfterEach
    void tearDown() {
        replicas.forEach(ProxyProcess::close);
        if (origin != null) {
            origin.close();
        }
    }

    private record Replica(ProxyProcess process, int port, AdminClient admin) {}

    private Replica start(String name, Path server) throws Exception {
        Path conf = dir.resolve(name + ".conf");
        Files.writeString(conf, """
                admin { bind = "127.0.0.1", port = 0 }
                reload { watch = false }
                access-log = "off"
                session-tickets { keys = "tickets.key" }
                listeners = [{
                  name = edge, bind = "127.0.0.1", port = 0
                  tls {
                    mode = mtls
                    certificates = [{ cert = "%1$s.crt", key = "%1$s.key" }]
                    client-ca = "clients-ca.crt"
                    crl = "clients-crl.pem"
                  }
                }]
                routes = [{ name = main, listener = edge, match.path-prefix = "/",
                            upstream.endpoints = ["127.0.0.1:%2$d"] }]
                """.formatted(server.getFileName().toString().replace(".crt", ""), origin.port()));
        ProxyProcess p = ProxyProcess.run(conf);
        replicas.add(p);
        AdminClient admin = new AdminClient(p.adminPort());
        return new Replica(p, p.listenerPort("edge"), admin);
    }

    private static byte[] key() {
        byte[] k = new byte[80];
        RANDOM.nextBytes(k);
        return k;
    }

    /** A TLS 1.3 connection with the client's certificate; saves the session, or offers the saved one. */
    private ExternalProcess.Result connect(Replica r, TestPki.Leaf client, Path session, boolean resume)
            throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                ExternalProcess.binary("openssl"),
                "s_client",
                "-tls1_3",
                "-connect",
                "127.0.0.1:" + r.port(),
                "-servername",
                "localhost",
                "-CAfile",
                serverCa.certFile().toString(),
                "-cert",
                client.certFile().toString(),
                "-key",
                client.keyFile().toString(),
                "-ign_eof",
                resume ? "-sess_in" : "-sess_out",
                session.toString()));
        return ExternalProcess.run(cmd, GET, 20);
    }

    private static boolean reused(ExternalProcess.Result r) {
        return r.stdout().contains("Reused, TLSv1.3");
    }

    @Test
    void sessionsResumeAcrossReplicasRotateByReloadAndNeverOutliveARevocation() throws Exception {
        assumeTrue(TlsProvider.provider() == SslProvider.OPENSSL, "shared ticket keys need BoringSSL");
        origin = TestOrigin.plain("origin");
        TestPki pki = new TestPki(dir);
        serverCa = pki.ca("servers");
        clientCa = pki.ca("clients");
        Path server = serverCa.server("proxy").certFile();
        TestPki.Leaf laptop = clientCa.client("laptop");
        TestPki.Leaf desk = clientCa.client("desk");
        clientCa.crl(); // clients-crl.pem, nothing revoked yet
        byte[] first = key();
        Path keys = dir.resolve("tickets.key");
        Files.write(keys, first);
        Replica a = start("a", server);
        Replica b = start("b", server);

        Path session = dir.resolve("laptop.session");
        ExternalProcess.Result full = connect(a, laptop, session, false);
        assertTrue(full.stdout().contains("HTTP/1.1 200"), full.stdout() + full.stderr());
        assertTrue(full.stdout().contains("New, TLSv1.3"), full.stdout());
        ExternalProcess.Result resumed = connect(b, laptop, session, true);
        assertTrue(reused(resumed), "made on a, resumed on b:\n" + resumed.stdout());
        assertTrue(resumed.stdout().contains("HTTP/1.1 200"), resumed.stdout());

        // rotation: a new key first, the old one after it; old tickets still resume, new ones use the new key
        byte[] second = key();
        Files.write(keys, concat(second, first));
        assertEquals(200, a.admin().post("/reload").statusCode());
        assertEquals(200, b.admin().post("/reload").statusCode());
        assertTrue(reused(connect(a, laptop, session, true)), "an old ticket resumes while its key is listed");
        Path deskSession = dir.resolve("desk.session");
        connect(b, desk, deskSession, false);
        Files.write(keys, second);
        assertEquals(200, a.admin().post("/reload").statusCode());
        assertTrue(reused(connect(a, desk, deskSession, true)), "a ticket under the new key resumes");
        assertFalse(reused(connect(a, laptop, session, true)), "a ticket under a key that left the file");

        // revocation: the laptop's fresh session on b, then a CRL reload on both replicas
        Files.write(keys, second);
        assertEquals(200, b.admin().post("/reload").statusCode());
        connect(b, laptop, session, false);
        assertTrue(reused(connect(a, laptop, session, true)), "the laptop's session is shared before revocation");
        clientCa.crl(laptop);
        assertEquals(200, a.admin().post("/reload").statusCode());
        assertEquals(200, b.admin().post("/reload").statusCode());
        for (Replica r : List.of(a, b)) {
            ExternalProcess.Result after = connect(r, laptop, session, true);
            assertFalse(reused(after), "a revoked client must not resume:\n" + after.stdout());
            assertFalse(after.stdout().contains("HTTP/1.1 200"), "and its full handshake fails:\n" + after.stdout());
        }
        connect(a, desk, deskSession, false);
        assertTrue(reused(connect(b, desk, deskSession, true)), "same CRL on both: sessions are shared again");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
