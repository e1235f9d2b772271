package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.DenyList;
import io.mtlsproxy.config.HostTrust;
import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.config.OcspSettings;
import io.mtlsproxy.config.ProxyConfig;
import io.mtlsproxy.config.Source;
import io.mtlsproxy.config.TlsMode;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.metrics.TlsFailure;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestPki;
import io.mtlsproxy.core.testing.TestTls;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tls.hosts}: two tenants on one listener, each with its own client CA. SNI chooses the client trust with the
 * server certificate, so each tenant's client is refused on the other's hostname (and on the listener's own names),
 * even when it presents its certificate regardless of the CAs the server asked for; a tenant's deny list applies to
 * its names only, and a reload that denies a connected tenant client closes its connection.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HostTrustProxyTest {
    private static final String A = "tenant-a.example.com";
    private static final String B = "tenant-b.example.com";

    @TempDir
    Path dir;

    ProxyFixture fx;
    ProxyMetrics metrics;
    ProxyServer proxy;
    TestPki.Ca caA;
    TestPki.Ca caB;
    TestPki.Leaf clientA;
    TestPki.Leaf clientB;
    TestPki.Leaf tenantsServer;

    @BeforeEach
    void setUp() {
        fx = new ProxyFixture(dir);
        metrics = ProxyMetrics.inMemory();
        caA = fx.pki.ca("tenant-a-ca");
        caB = fx.pki.ca("tenant-b-ca");
        clientA = caA.client("client-a");
        clientB = caB.client("client-b");
        tenantsServer = fx.serverCa.server("tenants", A, B);
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    private HostTrust host(String name, TestPki.Ca ca, DenyList deny, int line) {
        return new HostTrust(
                List.of(name),
                ClientAuth.REQUIRED,
                TestConfigs.file(ca.certFile(), "tls.hosts." + line + ".client-ca"),
                Optional.empty(),
                Optional.empty(),
                deny,
                new Source("proxy.conf", line));
    }

    private ProxyConfig config(DenyList denyForB) {
        ListenerTls tls = new ListenerTls(
                TlsMode.MTLS,
                ClientAuth.REQUIRED,
                List.of(
                        TestConfigs.pem(fx.proxyServer, "tls.certificates.0"),
                        TestConfigs.pem(tenantsServer, "tls.certificates.1")),
                Optional.of(TestConfigs.file(fx.clientCa.certFile(), "tls.client-ca")),
                Optional.empty(),
                2,
                ListenerTls.DEFAULT_PROTOCOLS,
                true,
                DenyList.EMPTY,
                true,
                Optional.empty(),
                List.of(host(A, caA, DenyList.EMPTY, 10), host(B, caB, denyForB, 20)),
                OcspSettings.OFF);
        return fx.config(
                List.of(TestConfigs.listener("edge", tls)),
                List.of(TestConfigs.route("any", "edge")
                        .endpoint(fx.plainOrigin.port())
                        .build()));
    }

    /** Presents its certificate whatever CAs the server names, so that the server's verdict is what is tested. */
    private RawHttpClient connect(TestPki.Leaf client, String sni) throws IOException {
        return RawHttpClient.connectTls(proxy.port("edge"), TestTls.client(fx.serverCa.certFile(), client, true), sni);
    }

    private int status(TestPki.Leaf client, String sni) {
        try (RawHttpClient c = connect(client, sni)) {
            return c.get(sni, "/x").status();
        } catch (IOException e) {
            return -1;
        }
    }

    private String lastReason() {
        List<TlsFailure> all = metrics.failures().snapshot();
        return all.get(all.size() - 1).reason().label();
    }

    @Test
    void eachTenantsClientIsRefusedOnTheOthersHostname() throws Exception {
        proxy = ProxyServer.builder().metrics(metrics).build();
        fx.closeLater(proxy);
        proxy.start(config(DenyList.EMPTY));

        assertEquals(200, status(clientA, A));
        assertEquals(200, status(clientB, B));
        assertEquals(200, status(fx.client, "localhost"), "other names keep the listener's own trust");

        assertEquals(-1, status(clientB, A));
        assertEquals("unknown_ca", lastReason());
        assertEquals(-1, status(clientA, B));
        assertEquals("unknown_ca", lastReason());
        assertEquals(-1, status(fx.client, A), "the listener's clients are not a tenant's");
        assertEquals(-1, status(clientA, "localhost"), "nor a tenant's clients the listener's");

        try (RawHttpClient c = connect(clientA, A)) {
            assertEquals(
                    A, c.serverCertificate().getSubjectX500Principal().getName().equals("CN=tenants") ? A : "");
        }
    }

    @Test
    void aTenantsDenyListAppliesToItsNamesAndAReloadClosesTheDeniedClient() throws Exception {
        proxy = ProxyServer.builder().metrics(metrics).build();
        fx.closeLater(proxy);
        proxy.start(config(DenyList.EMPTY));
        try (RawHttpClient b = connect(clientB, B);
                RawHttpClient a = connect(clientA, A)) {
            assertEquals(200, b.get(B, "/x").status());
            assertEquals(200, a.get(A, "/x").status());

            DenyList denyB = new DenyList(Set.of(clientB.serial().toString(16)), Set.of(), Set.of(), Set.of());
            assertTrue(proxy.reload(config(denyB)).ok());
            b.timeout(1_000);
            assertTrue(b.awaitClosed(), "the denied tenant client's connection is closed");
            assertEquals(200, a.get(A, "/x").status(), "the other tenant's stays open");
        }
        assertEquals(-1, status(clientB, B));
        assertEquals("denied", lastReason());
        assertEquals(200, status(clientA, A));
    }
}
