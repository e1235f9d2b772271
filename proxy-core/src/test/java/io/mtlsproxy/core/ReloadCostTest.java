package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.AllowList;
import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.ClientIdentity;
import io.mtlsproxy.config.DenyList;
import io.mtlsproxy.config.IdentityMode;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.config.OcspSettings;
import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.config.TlsMode;
import io.mtlsproxy.core.reload.BuildCounts;
import io.mtlsproxy.core.reload.ReloadResult;
import io.mtlsproxy.core.routing.Route;
import io.mtlsproxy.core.routing.Router;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestPki;
import io.mtlsproxy.core.testing.TestTls;
import io.mtlsproxy.core.tls.ServerTls;
import io.netty.handler.ssl.SslContext;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload costs what changed: unchanged certificates keep their parsed keys and, while nothing of the listener's
 * TLS changed, their SslContexts (sessions included); a changed certificate file is read again and served to new
 * handshakes; a changed route is the only one built again.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReloadCostTest {
    @TempDir
    Path dir;

    ProxyFixture fx;
    ProxyServer proxy;
    TestPki.Leaf api;
    TestPki.Leaf web;
    ListenerConfig listener;
    List<RouteConfig> routes = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        fx = new ProxyFixture(dir);
        api = fx.serverCa.server("api", "api.example.com");
        web = fx.serverCa.server("web", "web.example.com");
        listener = TestConfigs.listener(
                "edge",
                new ListenerTls(
                        TlsMode.TLS,
                        ClientAuth.REQUIRED,
                        List.of(TestConfigs.pem(api, "tls.certificates.0"), TestConfigs.pem(web, "tls.certificates.1")),
                        Optional.empty(),
                        Optional.empty(),
                        ListenerTls.DEFAULT_VERIFY_DEPTH,
                        ListenerTls.DEFAULT_PROTOCOLS,
                        false,
                        DenyList.EMPTY,
                        true,
                        Optional.empty(),
                        List.of(),
                        OcspSettings.OFF));
        for (int i = 0; i < 50; i++) {
            routes.add(route(i, "/r" + i + "/"));
        }
        proxy = fx.start(ProxyServer.builder(), List.of(listener), routes);
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    private RouteConfig route(int i, String prefix) {
        return TestConfigs.route("r" + i, "edge")
                .host(i % 2 == 0 ? "api.example.com" : "web.example.com")
                .prefix(prefix)
                .endpoint(fx.plainOrigin.port())
                .build();
    }

    private ServerTls serverTls() {
        return proxy.snapshot().listener("edge").tls().orElseThrow();
    }

    private ReloadResult reload() {
        ReloadResult r = proxy.reload(fx.config(List.of(listener), routes));
        assertTrue(r.ok(), r::toString);
        return r;
    }

    private BigInteger servedSerial(String sni) throws Exception {
        try (RawHttpClient c =
                RawHttpClient.connectTls(proxy.port("edge"), TestTls.client(fx.serverCa.certFile(), null), sni)) {
            assertEquals(
                    200,
                    c.get(sni, "/r" + (sni.startsWith("api") ? 0 : 1) + "/").status());
            return c.serverCertificate().getSerialNumber();
        }
    }

    @Test
    void nothingChangedKeepsEveryContextAndRoute() throws Exception {
        ServerTls before = serverTls();
        List<SslContext> contexts = before.contexts();
        Route r0 = proxy.snapshot().routes().get("r0");
        Router router = proxy.snapshot().listener("edge").router();
        ReloadResult r = reload();
        assertSame(r0, proxy.snapshot().routes().get("r0"), "the same configuration object: the route is kept whole");
        assertSame(router, proxy.snapshot().listener("edge").router(), "every route kept: so is the routing table");
        assertEquals(List.of(), r.changed());
        assertSame(before, serverTls(), "the listener's TLS (contexts, sessions) is kept");
        assertSame(contexts.get(0), serverTls().contexts().get(0));
        assertEquals(new BuildCounts(0, 50, 0, 1, 0, 0), proxy.snapshot().counts());
        assertEquals(api.serial(), servedSerial("api.example.com"));
    }

    @Test
    void aChangedCertificateIsReadAgainAndTheUnchangedOneIsReused() throws Exception {
        assertEquals(web.serial(), servedSerial("web.example.com"));
        TestPki.Leaf renewed = fx.serverCa.server("web", "web.example.com"); // new key and serial, same files
        ServerTls before = serverTls();
        ReloadResult r = reload();

        assertEquals(List.of("listeners.edge.tls"), r.changed());
        assertNotSame(before, serverTls(), "a changed certificate starts new contexts, hence new sessions");
        BuildCounts counts = proxy.snapshot().counts();
        assertEquals(1, counts.listenerTlsBuilt());
        assertEquals(1, counts.keysLoaded(), "only the changed pair is parsed and checked");
        assertEquals(1, counts.keysReused(), "the unchanged pair comes from the key cache");
        assertEquals(50, counts.routesKept());
        assertEquals(renewed.serial(), servedSerial("web.example.com"), "new handshakes get the new certificate");
        assertEquals(api.serial(), servedSerial("api.example.com"));

        // and the next reload keeps the rebuilt listener as it is
        ServerTls rebuilt = serverTls();
        reload();
        assertSame(rebuilt, serverTls());
        assertEquals(new BuildCounts(0, 50, 0, 1, 0, 0), proxy.snapshot().counts());
    }

    @Test
    void aChangedIdentityPolicyBuildsTheListenersTlsAgain() {
        ServerTls before = serverTls();
        routes.set(
                3,
                TestConfigs.route("r3", "edge")
                        .host("web.example.com")
                        .prefix("/r3/")
                        .endpoint(fx.plainOrigin.port())
                        .identity(new ClientIdentity(false, IdentityMode.REPORT_ONLY, AllowList.ANY))
                        .build());
        reload();
        assertNotSame(before, serverTls(), "tickets are bound to the routes' policies: new contexts, new sessions");
        ServerTls rebuilt = serverTls();
        reload();
        assertSame(rebuilt, serverTls(), "the same policies again: kept");
    }

    @Test
    void routesWithoutRulesOrIdentityShareTheirCompiledParts() {
        Route r0 = proxy.snapshot().routes().get("r0");
        Route r1 = proxy.snapshot().routes().get("r1");
        assertSame(r0.policy(), r1.policy(), "ten thousand routes need not hold ten thousand empty policies");
        assertSame(r0.rules(), r1.rules());
    }

    @Test
    void aChangedRouteIsTheOnlyOneBuiltAgain() throws Exception {
        Router router = proxy.snapshot().listener("edge").router();
        routes.set(7, route(7, "/seven/"));
        ServerTls before = serverTls();
        ReloadResult r = reload();
        assertEquals(List.of("routes.r7"), r.changed());
        assertEquals(new BuildCounts(1, 49, 0, 1, 0, 0), proxy.snapshot().counts());
        assertSame(before, serverTls(), "route policies unchanged: the listener's contexts stay");
        assertNotSame(router, proxy.snapshot().listener("edge").router(), "a changed route: a new routing table");
        try (RawHttpClient c = RawHttpClient.connectTls(
                proxy.port("edge"), TestTls.client(fx.serverCa.certFile(), null), "web.example.com")) {
            assertEquals(200, c.get("web.example.com", "/seven/").status());
            assertEquals(404, c.get("web.example.com", "/r7/").status());
        }
    }
}
