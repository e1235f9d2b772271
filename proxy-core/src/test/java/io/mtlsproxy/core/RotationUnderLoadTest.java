package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.mtlsproxy.config.ReloadConfig;
import io.mtlsproxy.core.reload.ReloadResult;
import io.mtlsproxy.core.reload.Reloader;
import io.mtlsproxy.core.testing.Echo;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestPki;
import io.mtlsproxy.core.tls.CertificateUse;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rotation drill: while a bounded load runs (one keep-alive connection, one client making a new
 * connection per request), the server certificate, the client CA bundle (with old + new overlap), the CRL and a
 * route's upstream client certificate are each rotated several times by atomic file writes, picked up by the
 * file watcher. No request may fail, new handshakes must present the new material, the keep-alive connection
 * must never be closed, and a half-written certificate/key pair must be refused while the old one keeps serving.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RotationUnderLoadTest {
    @TempDir
    Path dir;

    EdgeSetup edge;
    Reloader reloader;
    LoadLoop load;
    final LinkedBlockingQueue<ReloadResult> results = new LinkedBlockingQueue<>();

    @AfterEach
    void tearDown() throws Exception {
        if (load != null) {
            load.close();
        }
        if (reloader != null) {
            reloader.close();
        }
        if (edge != null) {
            edge.close();
        }
    }

    @Test
    void everyKindOfMaterialIsRotatedUnderLoadWithoutAFailedRequest() throws Exception {
        edge = new EdgeSetup(dir);
        edge.start(false);
        reloader = Reloader.start(
                edge.proxy, edge.configFile(), new ReloadConfig(true, Duration.ofMillis(100)), results::add);
        BigInteger firstServerSerial = edge.servingSerial();
        load = new LoadLoop(edge, edge.fx.client).start();

        rotateServerCertificate();
        TestPki.Ca clientCa = rollOverClientCa(edge.fx.clientCa, 1);
        clientCa = rollOverClientCa(clientCa, 2);
        rotateCrl(clientCa);
        rotateUpstreamClientCertificate();

        load.close();
        assertEquals(List.of(), load.failures(), "no request failed");
        assertEquals(0, load.reconnects(), "the keep-alive connection was never closed");
        assertEquals(firstServerSerial, load.keepAliveServerSerial(), "and kept its first session throughout");
        assertTrue(
                load.keepAliveRequests() >= 20 && load.freshRequests() >= 10,
                "load ran: " + load.keepAliveRequests() + " keep-alive, " + load.freshRequests() + " new-connection");
        assertTrue(edge.reloads("failure") >= 1, "the half-written pair was refused");
        assertTrue(edge.reloads("success") >= 15, "every rotation was applied: " + edge.reloads("success"));
    }

    /** Three renewals: key then certificate (as pki renew), certificate then key (refused until both match), key. */
    private void rotateServerCertificate() throws Exception {
        for (int round = 0; round < 3; round++) {
            BigInteger before = edge.servingSerial();
            TestPki.Leaf renewed = edge.fx.serverCa.server("proxy", "api.example.com", "other.example.com");
            if (round == 1) {
                results.clear();
                edge.files.cert("server", renewed);
                ReloadResult refused = awaitFailure();
                assertTrue(refused.errors().toString().contains("does not match"), refused::toString);
                assertEquals(before, edge.servingSerial(), "the half-written pair keeps the old one whole");
                assertEquals(before, edge.handshakeSerial(currentClient()), "and new handshakes still get it");
                edge.files.key("server", renewed);
            } else {
                edge.files.pair("server", renewed, true);
            }
            awaitApplied(
                    "server certificate " + renewed.serial(),
                    () -> renewed.serial().equals(edge.servingSerial()));
            assertEquals(renewed.serial(), edge.handshakeSerial(currentClient()), "a new handshake: the new serial");
            load.awaitFreshServerSerial(renewed.serial());
        }
    }

    /**
     * A CA rollover with overlap: the bundle gets the new CA next to the old, clients move to certificates of the
     * new CA, the CRL moves to the new CA (first: a CRL must be signed by a CA of the bundle), then the old CA
     * leaves the bundle. Connections made with old-CA certificates stay; new ones with them are refused.
     */
    private TestPki.Ca rollOverClientCa(TestPki.Ca old, int generation) throws Exception {
        TestPki.Ca next = edge.fx.pki.ca("clients-" + generation);
        edge.files.caBundle("clients-ca.crt", old, next);
        awaitApplied(
                "client CA bundle with " + next.certFile(),
                () -> clientCas()
                        .equals(Set.of(old, next).stream()
                                .map(ca -> ca.authority().certificate())
                                .collect(Collectors.toSet())));

        TestPki.Leaf oldClient = load.client.get();
        TestPki.Leaf nextClient = next.client("client-a", "spiffe://example.org/ns/prod/sa/checkout");
        load.client.set(nextClient);
        load.awaitFreshRequestWith(nextClient);

        X509CRL crl = EdgeSetup.crl(next);
        edge.files.crls("clients.crl", crl);
        awaitApplied("CRL of " + next.certFile(), () -> crls().equals(List.of(crl)));
        edge.files.caBundle("clients-ca.crt", next);
        awaitApplied(
                "client CA bundle without the old CA",
                () -> clientCas().equals(Set.of(next.authority().certificate())));
        assertEquals(200, status(nextClient));
        assertEquals(-1, status(oldClient), "a new connection with an old-CA certificate is refused");
        return next;
    }

    /** Revoke one client, then a second one, then un-revoke both: each CRL applies to the next handshake. */
    private void rotateCrl(TestPki.Ca ca) throws Exception {
        TestPki.Leaf first = ca.client("victim-1");
        TestPki.Leaf second = ca.client("victim-2");
        List<List<TestPki.Leaf>> rounds = List.of(List.of(first), List.of(first, second), List.of());
        for (List<TestPki.Leaf> revoked : rounds) {
            X509CRL crl = EdgeSetup.crl(ca, revoked.toArray(new TestPki.Leaf[0]));
            edge.files.crls("clients.crl", crl);
            awaitApplied("CRL revoking " + revoked.size(), () -> crls().equals(List.of(crl)));
            assertEquals(revoked.contains(first) ? -1 : 200, status(first));
            assertEquals(revoked.contains(second) ? -1 : 200, status(second));
        }
    }

    /** Three renewals of the route's client identity: the origin sees the new serial on the next request. */
    private void rotateUpstreamClientCertificate() throws Exception {
        for (int round = 0; round < 3; round++) {
            TestPki.Leaf renewed = edge.fx.proxyIdCa.client("proxy-to-origin", "spiffe://example.org/ns/edge/sa/proxy");
            edge.files.pair("proxy-id", renewed, true);
            awaitApplied(
                    "upstream client certificate " + renewed.serial(),
                    () -> renewed.serial()
                            .equals(edge.proxy.view().certificates().stream()
                                    .filter(u -> u.usage().equals(CertificateUse.UPSTREAM_CLIENT))
                                    .findFirst()
                                    .orElseThrow()
                                    .certificate()
                                    .getSerialNumber()));
            try (RawHttpClient c = edge.connect(currentClient())) {
                Echo echo = Echo.parse(c.get("localhost", "/secure/check").text());
                assertEquals(renewed.serial().toString(16), echo.peerSerial(), "new requests: new identity");
            }
            load.awaitUpstreamClientSerial(renewed.serial());
        }
    }

    private TestPki.Leaf currentClient() {
        return load.client.get();
    }

    private Set<X509Certificate> clientCas() {
        return edge.proxy.view().certificates().stream()
                .filter(u -> u.usage().equals(CertificateUse.LISTENER_CLIENT_CA))
                .map(CertificateUse::certificate)
                .collect(Collectors.toSet());
    }

    private List<X509CRL> crls() {
        return edge.proxy.view().crls().stream().map(c -> c.crl()).toList();
    }

    /** 200, or -1 when the handshake was refused (with TLS 1.3 the client learns it on its first read). */
    private int status(TestPki.Leaf client) throws Exception {
        try (RawHttpClient c = edge.connect(client)) {
            return c.get("localhost", "/plain/probe").status();
        } catch (IOException e) {
            return -1;
        }
    }

    private ReloadResult awaitFailure() throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            ReloadResult r = results.poll(100, TimeUnit.MILLISECONDS);
            if (r != null && !r.ok()) {
                return r;
            }
        }
        return fail("the half-written pair was not refused");
    }

    private void awaitApplied(String what, BooleanSupplier applied) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!applied.getAsBoolean()) {
            assertFalse(System.nanoTime() > end, what + " was not picked up; reloads: " + results);
            assertEquals(List.of(), load.failures(), "no request failed");
            Thread.sleep(10);
        }
    }
}
