package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ConfigError;
import io.mtlsproxy.config.ReloadConfig;
import io.mtlsproxy.core.reload.ReloadResult;
import io.mtlsproxy.core.reload.Reloader;
import io.mtlsproxy.core.reload.Reloader.Trigger;
import io.mtlsproxy.core.reload.ServerView;
import io.mtlsproxy.core.testing.Echo;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestPki;
import io.mtlsproxy.core.upstream.UpstreamCluster;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reloads of a proxy run from files, through the {@link Reloader}: what a failed reload keeps (everything), what a
 * good one changes (new handshakes, new routes, new upstream connections only where the upstream changed), and
 * that established connections never notice.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReloadProxyTest {
    /** FILE:LINE: key: message */
    static final Pattern ERROR_LINE = Pattern.compile("^\\S+:\\d+: \\S+: .+$");

    @TempDir
    Path dir;

    EdgeSetup edge;
    Reloader reloader;
    final LinkedBlockingQueue<ReloadResult> results = new LinkedBlockingQueue<>();

    @BeforeEach
    void setUp() {
        edge = new EdgeSetup(dir);
    }

    @AfterEach
    void tearDown() {
        if (reloader != null) {
            reloader.close();
        }
        edge.close();
    }

    private void startReloader(boolean watch) {
        reloader = Reloader.start(
                edge.proxy, edge.configFile(), new ReloadConfig(watch, Duration.ofMillis(100)), results::add);
    }

    private static void assertErrorLines(ReloadResult r, String expected) {
        assertFalse(r.ok(), r::toString);
        for (ConfigError e : r.errors()) {
            assertTrue(ERROR_LINE.matcher(e.toString()).matches(), e::toString);
        }
        assertTrue(r.errors().stream().anyMatch(e -> e.toString().contains(expected)), r::toString);
    }

    @Test
    void aBrokenReloadKeepsServingWithTheOldMaterialAndCountsAFailure() throws Exception {
        edge.start(false);
        startReloader(false);
        BigInteger original = edge.servingSerial();
        try (RawHttpClient keepAlive = edge.connect(edge.fx.client)) {
            assertEquals(200, keepAlive.get("localhost", "/plain/1").status());

            edge.files.text("server.crt", "-----BEGIN CERTIFICATE-----\nnot base64 at all\n");
            ReloadResult garbage = reloader.reload(Trigger.SIGNAL);
            assertErrorLines(garbage, "proxy.conf:9: listeners[0].tls.certificates[0].cert");
            assertEquals(1.0, edge.reloads("failure"));

            edge.writeConfig(false);
            edge.files.pair("server", edge.fx.proxyServer, true);
            edge.files.text("proxy.conf", "listeners = [ { name = edge\n");
            assertErrorLines(reloader.reload(Trigger.ADMIN), "(syntax)");
            assertEquals(2.0, edge.reloads("failure"));

            edge.writeConfig(false);
            edge.files.text(
                    "proxy.conf",
                    java.nio.file.Files.readString(edge.configFile()).replace("client-ca = ", "client-ca-file = "));
            assertErrorLines(reloader.reload(Trigger.API), "unknown key");
            assertEquals(3.0, edge.reloads("failure"));
            assertEquals(0.0, edge.reloads("success"));

            assertEquals(original, edge.servingSerial(), "the old snapshot is whole");
            assertEquals(original, edge.handshakeSerial(edge.fx.client), "new handshakes get the old material");
            assertEquals(200, keepAlive.get("localhost", "/secure/2").status());
            assertEquals(200, keepAlive.get("localhost", "/plain/3").status());
        }
    }

    @Test
    void aCertificateWithoutItsNewKeyIsRefusedUntilTheKeyArrives() throws Exception {
        edge.start(false);
        startReloader(false);
        BigInteger original = edge.servingSerial();
        TestPki.Leaf renewed = edge.fx.serverCa.server("proxy", "api.example.com", "other.example.com");
        try (RawHttpClient keepAlive = edge.connect(edge.fx.client)) {
            assertEquals(200, keepAlive.get("localhost", "/plain/1").status());

            edge.files.cert("server", renewed);
            assertErrorLines(reloader.reload(Trigger.SIGNAL), "does not match the certificate");
            assertEquals(original, edge.handshakeSerial(edge.fx.client));

            edge.files.key("server", renewed);
            ReloadResult ok = reloader.reload(Trigger.SIGNAL);
            assertTrue(ok.ok(), ok::toString);
            assertEquals(List.of("listeners.edge.tls"), ok.changed());
            assertEquals(renewed.serial(), edge.handshakeSerial(edge.fx.client), "new handshakes: new certificate");
            assertEquals(original, EdgeSetup.serial(keepAlive), "the established connection keeps its session");
            assertEquals(200, keepAlive.get("localhost", "/plain/2").status());
            assertEquals(200, keepAlive.get("localhost", "/secure/3").status());
        }
        assertEquals(1.0, edge.reloads("failure"));
        assertEquals(1.0, edge.reloads("success"));
    }

    @Test
    void aPkcs12ListenerCertificateIsRotatedAndAWrongPasswordKeepsTheOldOne() throws Exception {
        edge.files.pkcs12("server.p12", edge.fx.proxyServer, EdgeSetup.P12_PASSWORD);
        edge.start(true);
        startReloader(true);
        assertEquals(edge.fx.proxyServer.serial(), edge.handshakeSerial(edge.fx.client));

        TestPki.Leaf renewed = edge.fx.serverCa.server("proxy", "api.example.com");
        edge.files.pkcs12("server.p12", renewed, "another password");
        ReloadResult refused = results.poll(10, TimeUnit.SECONDS);
        assertErrorLines(refused, "keystore-password");
        assertEquals(edge.fx.proxyServer.serial(), edge.handshakeSerial(edge.fx.client));

        edge.files.pkcs12("server.p12", renewed, EdgeSetup.P12_PASSWORD);
        ReloadResult ok = results.poll(10, TimeUnit.SECONDS);
        assertTrue(ok.ok(), String.valueOf(ok));
        assertEquals(renewed.serial(), edge.handshakeSerial(edge.fx.client));
    }

    @Test
    void aRouteFileAddedToTheRoutesDirectoryIsServedAfterTheWatcherReloads() throws Exception {
        edge.start(false);
        startReloader(true);
        try (RawHttpClient keepAlive = edge.connect(edge.fx.client)) {
            assertEquals(404, keepAlive.get("localhost", "/team/x").status());
            edge.files.text("routes.d/team.conf", """
                    routes = [{ name = team, listener = edge, match { path-prefix = "/team" }
                                upstream { endpoints = ["127.0.0.1:%d"] } }]
                    """.formatted(edge.fx.plainOrigin.port()));
            ReloadResult r = results.poll(10, TimeUnit.SECONDS);
            assertTrue(r.ok(), String.valueOf(r));
            assertEquals(List.of("routes.team (added)"), r.changed());
            RawHttpClient.Response answer = keepAlive.get("localhost", "/team/x");
            assertEquals(200, answer.status(), "the established connection's next request takes the new route");
            assertEquals("/team/x", Echo.parse(answer.text()).uri());
        }
    }

    @Test
    void onlyRoutesWhoseUpstreamChangedGetNewUpstreamConnections() throws Exception {
        edge.start(false);
        startReloader(false);
        // one client connection: upstream pools are per event loop, and a connection keeps its loop
        try (RawHttpClient c = edge.connect(edge.fx.client)) {
            assertEquals(200, c.get("localhost", "/plain/1").status());
            assertEquals(
                    edge.fx.proxyId.serial().toString(16),
                    Echo.parse(c.get("localhost", "/secure/1").text()).peerSerial());
            UpstreamCluster plain = edge.proxy.snapshot().routes().get("plain").upstream();
            UpstreamCluster secure =
                    edge.proxy.snapshot().routes().get("secure").upstream();
            int plainConnections = edge.fx.plainOrigin.connections();
            int secureConnections = edge.fx.mtlsOrigin.connections();

            TestPki.Leaf renewedId =
                    edge.fx.proxyIdCa.client("proxy-to-origin", "spiffe://example.org/ns/edge/sa/proxy");
            edge.files.pair("proxy-id", renewedId, true);
            ReloadResult r = reloader.reload(Trigger.SIGNAL);
            assertTrue(r.ok(), r::toString);
            assertEquals(List.of("routes.secure.upstream.tls"), r.changed());
            assertSame(plain, edge.proxy.snapshot().routes().get("plain").upstream(), "untouched: same pool");
            assertNotSame(secure, edge.proxy.snapshot().routes().get("secure").upstream());

            assertEquals(200, c.get("localhost", "/plain/2").status());
            assertEquals(plainConnections, edge.fx.plainOrigin.connections(), "the pooled connection was reused");
            assertEquals(
                    renewedId.serial().toString(16),
                    Echo.parse(c.get("localhost", "/secure/2").text()).peerSerial(),
                    "the new identity");
            assertEquals(secureConnections + 1, edge.fx.mtlsOrigin.connections(), "on a new connection");
        }
    }

    @Test
    void aCommentThatMovesEveryLineChangesNothingAndKeepsTheOriginConnections() throws Exception {
        edge.start(false);
        startReloader(false);
        try (RawHttpClient c = edge.connect(edge.fx.client)) {
            assertEquals(200, c.get("localhost", "/plain/1").status());
            assertEquals(200, c.get("localhost", "/secure/1").status());
            UpstreamCluster plain = edge.proxy.snapshot().routes().get("plain").upstream();
            UpstreamCluster secure =
                    edge.proxy.snapshot().routes().get("secure").upstream();
            int plainConnections = edge.fx.plainOrigin.connections();
            int secureConnections = edge.fx.mtlsOrigin.connections();

            edge.files.text(
                    "proxy.conf",
                    "# a note on top moves every line below it\n\n"
                            + java.nio.file.Files.readString(edge.configFile()));
            ReloadResult r = reloader.reload(Trigger.SIGNAL);
            assertTrue(r.ok(), r::toString);
            assertEquals(List.of(), r.changed(), "line numbers are where a setting is written, not what it says");
            assertSame(plain, edge.proxy.snapshot().routes().get("plain").upstream());
            assertSame(secure, edge.proxy.snapshot().routes().get("secure").upstream());

            assertEquals(200, c.get("localhost", "/plain/2").status());
            assertEquals(200, c.get("localhost", "/secure/2").status());
            assertEquals(plainConnections, edge.fx.plainOrigin.connections(), "pooled plain connection reused");
            assertEquals(secureConnections, edge.fx.mtlsOrigin.connections(), "pooled mTLS connection reused");
        }
    }

    @Test
    void aNewTrustCaAppliesToTheNextUpstreamConnection() throws Exception {
        edge.start(false);
        startReloader(false);
        try (RawHttpClient c = edge.connect(edge.fx.client)) {
            assertEquals(200, c.get("localhost", "/secure/1").status());
            edge.files.caBundle("origins-ca.crt", edge.fx.serverCa); // not the origin's CA
            ReloadResult r = reloader.reload(Trigger.SIGNAL);
            assertTrue(r.ok(), r::toString);
            assertEquals(List.of("routes.secure.upstream.tls"), r.changed());
            assertEquals(502, c.get("localhost", "/secure/2").status(), "the origin is no longer trusted");
            edge.files.caBundle("origins-ca.crt", edge.fx.serverCa, edge.fx.originCa);
            assertTrue(reloader.reload(Trigger.SIGNAL).ok());
            assertEquals(200, c.get("localhost", "/secure/3").status(), "trusted again with the overlap bundle");
        }
    }

    @Test
    void aReloadThatNeedsARestartIsRefused() throws Exception {
        edge.start(false);
        startReloader(false);
        edge.files.text(
                "proxy.conf",
                java.nio.file.Files.readString(edge.configFile()).replace("port = 0\n  tls", "port = 1\n  tls"));
        ServerView view = edge.proxy.view();
        view.attach(reloader);
        assertErrorLines(view.reload(), "needs a restart");
        assertNotEquals(0, edge.proxy.port("edge"));
    }
}
