package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.DenyList;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.config.OcspSettings;
import io.mtlsproxy.config.ProxyConfig;
import io.mtlsproxy.config.TlsMode;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.metrics.TlsFailure;
import io.mtlsproxy.core.reload.ReloadResult;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A listener's CRL and verify-depth through a running proxy: a revoked client certificate fails the handshake, the
 * same certificate is admitted after a reload with a CRL that no longer lists it, a stale CRL keeps being enforced,
 * a CRL file may carry several issuers' CRLs, and chains longer than verify-depth are refused.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RevocationProxyTest {
    @TempDir
    Path dir;

    ProxyFixture fx;
    ProxyMetrics metrics;
    ProxyServer proxy;
    Path crlFile;

    @BeforeEach
    void setUp() {
        fx = new ProxyFixture(dir);
        metrics = ProxyMetrics.inMemory();
        crlFile = dir.resolve("clients.crl");
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    private ProxyConfig config(Path clientCa, int verifyDepth) {
        ListenerTls tls = new ListenerTls(
                TlsMode.MTLS,
                ClientAuth.REQUIRED,
                List.of(TestConfigs.pem(fx.proxyServer, "tls.certificates.0")),
                Optional.of(TestConfigs.file(clientCa, "tls.client-ca")),
                Optional.of(TestConfigs.file(crlFile, "tls.crl")),
                verifyDepth,
                ListenerTls.DEFAULT_PROTOCOLS,
                true,
                DenyList.EMPTY,
                true,
                Optional.empty(),
                List.of(),
                OcspSettings.OFF);
        ListenerConfig listener = TestConfigs.listener("edge", tls);
        return fx.config(
                List.of(listener),
                List.of(TestConfigs.route("any", "edge")
                        .endpoint(fx.plainOrigin.port())
                        .build()));
    }

    private void start(ProxyConfig config) throws Exception {
        proxy = ProxyServer.builder().metrics(metrics).build();
        fx.closeLater(proxy);
        proxy.start(config);
    }

    private void writeCrl(TestPki.Ca ca, Instant thisUpdate, Instant nextUpdate, TestPki.Leaf... revoked)
            throws Exception {
        Path written = ca.crl(thisUpdate, nextUpdate, revoked);
        Pem.writePublic(crlFile, Pem.readCrls(Files.readAllBytes(written)).toArray());
    }

    /** 200 through the proxy, or -1 when the TLS connection was refused (with TLS 1.3: on the first read). */
    private int status(TestPki.Leaf client) {
        try (RawHttpClient c = fx.connect(proxy, "edge", client)) {
            return c.get("localhost", "/x").status();
        } catch (IOException e) {
            return -1;
        }
    }

    private double refused(String reason) {
        Counter c = metrics.registry()
                .find("mtls_proxy_tls_handshakes")
                .tag("side", "inbound")
                .tag("name", "edge")
                .tag("result", "failure")
                .tag("reason", reason)
                .counter();
        return c == null ? 0 : c.count();
    }

    private TlsFailure lastFailure() {
        List<TlsFailure> all = metrics.failures().snapshot();
        return all.get(all.size() - 1);
    }

    @Test
    void aRevokedCertificateIsRefusedAndAdmittedAgainAfterAReloadWithoutIt() throws Exception {
        TestPki.Leaf revoked = fx.clientCa.client("revoked-client");
        writeCrl(fx.clientCa, Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(7)), revoked);
        start(config(fx.clientCa.certFile(), 2));

        assertEquals(200, status(fx.client));
        assertEquals(-1, status(revoked));
        assertEquals(1.0, refused("revoked"));
        assertTrue(lastFailure().detail().contains("revoked"), lastFailure()::detail);

        writeCrl(fx.clientCa, Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(7)));
        ReloadResult result = proxy.reload(config(fx.clientCa.certFile(), 2));
        assertTrue(result.ok(), result::toString);
        assertEquals(List.of("listeners.edge.tls"), result.changed());
        assertEquals(200, status(revoked), "the new CRL no longer lists it");
        assertEquals(1.0, refused("revoked"));
    }

    @Test
    void aReloadWithACrlThatRevokesAConnectedClientClosesItsConnection() throws Exception {
        TestPki.Leaf soonRevoked = fx.clientCa.client("soon-revoked");
        writeCrl(fx.clientCa, Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(7)));
        start(config(fx.clientCa.certFile(), 2));
        try (RawHttpClient revoked = fx.connect(proxy, "edge", soonRevoked);
                RawHttpClient other = fx.connect(proxy, "edge", fx.client)) {
            assertEquals(200, revoked.get("localhost", "/x").status());
            assertEquals(200, other.get("localhost", "/x").status());
            writeCrl(fx.clientCa, Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(7)), soonRevoked);
            assertTrue(proxy.reload(config(fx.clientCa.certFile(), 2)).ok());
            revoked.timeout(1_000);
            assertTrue(revoked.awaitClosed(), "closed within a second of the reload");
            assertEquals(200, other.get("localhost", "/x").status(), "the others keep theirs");
        }
        Counter closed = metrics.registry()
                .find("mtls_proxy_revoked_connections_closed")
                .tag("listener", "edge")
                .tag("reason", "revoked")
                .counter();
        assertEquals(1.0, closed == null ? 0 : closed.count());
    }

    @Test
    void aStaleCrlKeepsBeingEnforced() throws Exception {
        TestPki.Leaf revoked = fx.clientCa.client("revoked-client");
        Instant nextUpdate = Instant.now().minus(Duration.ofDays(1));
        writeCrl(fx.clientCa, Instant.now().minus(Duration.ofDays(8)), nextUpdate, revoked);
        start(config(fx.clientCa.certFile(), 2));

        assertEquals(-1, status(revoked), "a stale CRL still revokes");
        assertEquals(200, status(fx.client), "and still lets the others in");
        assertTrue(lastFailure().detail().contains("stale"), lastFailure()::detail);
        var crl = proxy.view().crls().get(0);
        assertTrue(crl.crl().getNextUpdate().toInstant().isBefore(Instant.now()), "reported with its past nextUpdate");
        assertEquals(crlFile.toString(), crl.location());
    }

    @Test
    void oneCrlFileMayHoldTheCrlsOfSeveralIssuers() throws Exception {
        TestPki.Ca partners = fx.pki.ca("partners");
        TestPki.Leaf partner = partners.client("partner");
        TestPki.Leaf revokedPartner = partners.client("revoked-partner");
        TestPki.Leaf revokedOwn = fx.clientCa.client("revoked-own");
        Path bundle = dir.resolve("bundle.crt");
        Pem.writePublic(
                bundle,
                fx.clientCa.authority().certificate(),
                partners.authority().certificate());
        Path own = fx.clientCa.crl(revokedOwn);
        Path theirs = partners.crl(revokedPartner);
        var crls = new java.util.ArrayList<Object>(Pem.readCrls(Files.readAllBytes(own)));
        crls.addAll(Pem.readCrls(Files.readAllBytes(theirs)));
        Pem.writePublic(crlFile, crls.toArray());
        start(config(bundle, 2));

        assertEquals(200, status(fx.client));
        assertEquals(200, status(partner));
        assertEquals(-1, status(revokedOwn));
        assertEquals(-1, status(revokedPartner));
        assertEquals(2.0, refused("revoked"));
        assertEquals(2, proxy.view().crls().size());
    }

    @Test
    void chainsLongerThanVerifyDepthAreRefused() throws Exception {
        TestPki.Ca issuing = fx.clientCa.intermediate("issuing");
        TestPki.Leaf viaIntermediate = issuing.leaf(
                "via-intermediate", CertificateSpec.client("via-intermediate").build());
        writeCrl(fx.clientCa, Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(7)));
        start(config(fx.clientCa.certFile(), 1));
        assertEquals(200, status(fx.client), "signed by the trusted CA itself: depth 1");
        assertEquals(-1, status(viaIntermediate), "one intermediate needs verify-depth 2");
        assertEquals(1.0, refused("bad_certificate"));

        assertTrue(proxy.reload(config(fx.clientCa.certFile(), 2)).ok());
        assertEquals(200, status(viaIntermediate));
    }
}
