package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.reload.ReloadResult;
import io.mtlsproxy.core.reload.Snapshot;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestPki;
import io.mtlsproxy.core.testing.TestTls;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A reload swaps one snapshot: new requests and handshakes see it, established connections keep theirs. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReloadTest {
    @TempDir
    Path dir;

    ProxyFixture fx;
    ProxyServer proxy;
    ProxyMetrics metrics = ProxyMetrics.inMemory();
    ListenerConfig tls;
    RouteConfig first;

    @BeforeEach
    void setUp() throws Exception {
        fx = new ProxyFixture(dir);
        tls = TestConfigs.listener("tls", TestConfigs.tls(fx.proxyServer));
        first = TestConfigs.route("first", "tls")
                .prefix("/first")
                .endpoint(fx.plainOrigin.port())
                .build();
        proxy = fx.start(ProxyServer.builder().metrics(metrics), List.of(tls), List.of(first));
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    private double reloads(String result) {
        var c = metrics.registry()
                .find("mtls_proxy_config_reloads")
                .tag("result", result)
                .counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void newRoutesServeNewRequestsOnEstablishedConnectionsToo() throws Exception {
        try (RawHttpClient c = fx.connect(proxy, "tls", null)) {
            assertEquals(404, c.get("localhost", "/second").status());
            RouteConfig second = TestConfigs.route("second", "tls")
                    .prefix("/second")
                    .endpoint(fx.plainOrigin.port())
                    .build();
            ReloadResult r = proxy.reload(fx.config(List.of(tls), List.of(first, second)));
            assertTrue(r.ok(), r::toString);
            assertEquals(List.of("routes.second (added)"), r.changed());
            assertEquals(200, c.get("localhost", "/second").status());
            assertEquals(200, c.get("localhost", "/first").status());
        }
        assertEquals(1.0, reloads("success"));
    }

    @Test
    void newHandshakesGetTheNewCertificateWhileEstablishedSessionsStay() throws Exception {
        TestPki.Ca otherCa = fx.pki.ca("other-server");
        TestPki.Leaf renewed = otherCa.server("proxy-renewed");
        try (RawHttpClient old = fx.connect(proxy, "tls", null)) {
            assertEquals(200, old.get("localhost", "/first").status());
            ListenerConfig next = TestConfigs.listener("tls", TestConfigs.tls(renewed));
            ReloadResult r = proxy.reload(fx.config(List.of(next), List.of(first)));
            assertTrue(r.ok(), r::toString);
            try (RawHttpClient fresh = RawHttpClient.connectTls(
                    proxy.port("tls"), TestTls.client(otherCa.certFile(), null), "localhost")) {
                assertTrue(fresh.serverCertificate()
                        .getSubjectX500Principal()
                        .getName()
                        .contains("proxy-renewed"));
                assertEquals(200, fresh.get("localhost", "/first").status());
            }
            assertEquals(200, old.get("localhost", "/first").status(), "the established session is untouched");
            assertFalse(
                    old.serverCertificate().getSubjectX500Principal().getName().contains("renewed"));
        }
    }

    @Test
    void aFailedReloadKeepsTheRunningSnapshotWhole() throws Exception {
        Snapshot before = proxy.snapshot();
        RouteConfig broken = TestConfigs.route("broken", "tls")
                .prefix("/broken")
                .endpoint(fx.plainOrigin.port())
                .tls(dir.resolve("missing-ca.crt"))
                .build();
        ReloadResult r = proxy.reload(fx.config(List.of(tls), List.of(first, broken)));
        assertFalse(r.ok());
        assertFalse(r.errors().isEmpty());
        assertEquals(before, proxy.snapshot());
        try (RawHttpClient c = fx.connect(proxy, "tls", null)) {
            assertEquals(200, c.get("localhost", "/first").status());
        }
        assertEquals(1.0, reloads("failure"));
    }

    @Test
    void addingAListenerNeedsARestart() {
        ReloadResult r = proxy.reload(
                fx.config(List.of(tls, TestConfigs.listener("more", ListenerTls.plain())), List.of(first)));
        assertFalse(r.ok());
        assertTrue(
                r.errors().get(0).toString().contains("listeners.more: a new listener needs a restart"),
                r.errors().toString());
    }
}
