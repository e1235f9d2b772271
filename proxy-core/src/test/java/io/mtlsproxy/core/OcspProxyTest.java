package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.config.OcspCheck;
import io.mtlsproxy.config.OcspSettings;
import io.mtlsproxy.config.ProxyConfig;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.metrics.TlsFailure;
import io.mtlsproxy.core.reload.ReloadResult;
import io.mtlsproxy.core.testing.ExternalProcess;
import io.mtlsproxy.core.testing.OcspResponder;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestPki;
import io.mtlsproxy.core.tls.StapleStatus;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * OCSP against a real {@code openssl ocsp} responder started from the test's own CA and index file: a listener
 * staples its certificate's response ({@code openssl s_client -status} sees it) and keeps it across a rebuild
 * while the responder is down; client checks refuse {@code revoked} always and {@code unknown} or unreachable with
 * {@code hard} only; an unreachable responder at start leaves the proxy running and says so.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OcspProxyTest {
    @TempDir
    Path dir;

    ProxyFixture fx;
    ProxyMetrics metrics;
    TestPki.Ca root;
    TestPki.Ca ca;
    OcspResponder responder;

    @BeforeEach
    void setUp() throws Exception {
        fx = new ProxyFixture(dir);
        metrics = ProxyMetrics.inMemory();
        root = fx.pki.ca("ocsp-root");
        ca = root.intermediate("ocsp-ca"); // a chain file then carries the issuer, which stapling needs
        responder = fx.closeLater(OcspResponder.start(dir.resolve("responder"), ca, 5));
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    /** A client certificate whose AIA names the test's responder. */
    private TestPki.Leaf client(String cn) {
        return ca.leaf(cn, CertificateSpec.client(cn).build(), responder.url());
    }

    private ListenerConfig mtls(String name, OcspCheck check, Optional<URI> override) {
        ListenerTls tls = TestConfigs.mtls(fx.proxyServer, root.certFile(), ClientAuth.REQUIRED, true);
        return TestConfigs.listener(name, TestConfigs.withOcsp(tls, new OcspSettings(false, check, override)));
    }

    /** A stapling listener (mtls with client-auth optional: s_client needs no certificate). */
    private ListenerConfig stapling(TestPki.Leaf server, boolean sniHostCheck) {
        ListenerTls tls = TestConfigs.mtls(server, root.certFile(), ClientAuth.OPTIONAL, sniHostCheck);
        return TestConfigs.listener(
                "staple", TestConfigs.withOcsp(tls, new OcspSettings(true, OcspCheck.OFF, Optional.empty())));
    }

    private ProxyConfig config(List<ListenerConfig> listeners) {
        return fx.config(
                listeners,
                listeners.stream()
                        .map(l -> TestConfigs.route("r-" + l.name(), l.name())
                                .endpoint(fx.plainOrigin.port())
                                .build())
                        .toList());
    }

    private ProxyServer start(List<ListenerConfig> listeners) throws Exception {
        ProxyServer proxy = ProxyServer.builder().metrics(metrics).build();
        fx.closeLater(proxy);
        proxy.start(config(listeners));
        return proxy;
    }

    private String lastFailure(String listener) {
        List<TlsFailure> failures = metrics.failures().snapshot().stream()
                .filter(f -> f.name().equals(listener))
                .toList();
        return failures.isEmpty()
                ? "none"
                : failures.get(failures.size() - 1).reason().label();
    }

    private double results(String use, String result) {
        return ProxyFixture.count(metrics, "mtls_proxy_ocsp_responses", "use", use, "result", result);
    }

    @Test
    void clientChecksRefuseRevokedAlwaysAndUnknownOrUnreachableWhenHard() throws Exception {
        TestPki.Leaf good = client("good");
        TestPki.Leaf revoked = client("revoked");
        TestPki.Leaf unknown = client("unknown"); // not in the responder's index
        TestPki.Leaf later = client("later");
        responder.good(good);
        responder.revoke(revoked);
        responder.good(later);
        // soft asks the certificates' AIA URL; hard the configured responder
        ProxyServer proxy = start(List.of(
                mtls("soft", OcspCheck.SOFT, Optional.empty()),
                mtls("hard", OcspCheck.HARD, Optional.of(responder.url()))));

        assertEquals(
                200,
                fx.status(proxy, "soft", good),
                () -> metrics.failures().snapshot().toString());
        assertEquals(200, fx.status(proxy, "hard", good));
        assertEquals(-1, fx.status(proxy, "soft", revoked), "revoked is refused even by soft");
        assertEquals("revoked", lastFailure("soft"));
        assertEquals(-1, fx.status(proxy, "hard", revoked));
        assertEquals("revoked", lastFailure("hard"));
        assertEquals(200, fx.status(proxy, "soft", unknown), "soft admits unknown");
        assertEquals(-1, fx.status(proxy, "hard", unknown), "hard refuses unknown");
        assertEquals("ocsp_unavailable", lastFailure("hard"));
        assertTrue(results("client", "good") >= 2 && results("client", "revoked") >= 2, "counted");
        assertTrue(results("client", "unknown") >= 2, "counted");

        responder.stop();
        assertEquals(200, fx.status(proxy, "hard", good), "a cached good answer holds until its nextUpdate");
        assertEquals(-1, fx.status(proxy, "soft", revoked), "and a cached revoked one too");
        assertEquals(200, fx.status(proxy, "soft", later), "responder down: soft admits");
        assertEquals(-1, fx.status(proxy, "hard", later), "responder down: hard refuses");
        assertEquals("ocsp_unavailable", lastFailure("hard"));
        assertTrue(results("client", "error") >= 2, "counted as errors");
    }

    @Test
    void aListenerStaplesItsCertificatesResponseAndKeepsItAcrossARebuild() throws Exception {
        TestPki.Leaf server = ca.leaf(
                "stapled", CertificateSpec.server("stapled").dns("localhost").build(), responder.url());
        responder.good(server);
        ProxyServer proxy = start(List.of(stapling(server, true)));

        String seen = sClientStatus(proxy.port("staple"));
        assertTrue(seen.contains("OCSP Response Status: successful"), seen);
        assertTrue(seen.contains("Cert Status: good"), seen);
        StapleStatus staple = onlyStaple(proxy);
        assertEquals("fresh", staple.state().state());
        assertEquals("good", staple.state().answer().orElseThrow().status().label());
        assertEquals(1.0, results("staple", "good"));

        // the responder goes away and the listener's TLS is built anew (another setting changed): the same
        // certificate keeps its last good response, asked for nothing
        responder.stop();
        ReloadResult result = proxy.reload(config(List.of(stapling(server, false))));
        assertTrue(result.ok(), result::toString);
        assertEquals(List.of("listeners.staple"), result.changed());
        seen = sClientStatus(proxy.port("staple"));
        assertTrue(seen.contains("Cert Status: good"), seen);
        assertEquals("fresh", onlyStaple(proxy).state().state());
        assertEquals(1.0, results("staple", "good") + results("staple", "error"), "nothing asked on the reload");
    }

    @Test
    void anUnreachableResponderAtStartLeavesTheProxyRunningAndSaysSo() throws Exception {
        TestPki.Leaf server = ca.leaf(
                "unstapled",
                CertificateSpec.server("unstapled").dns("localhost").build(),
                responder.url());
        responder.stop();
        ProxyServer proxy = start(List.of(stapling(server, true)));

        StapleStatus staple = onlyStaple(proxy);
        assertEquals("missing", staple.state().state());
        String error = staple.state().lastError().orElseThrow();
        assertTrue(error.startsWith("cannot fetch OCSP from " + responder.url()), error);
        String seen = sClientStatus(proxy.port("staple"));
        assertTrue(seen.contains("OCSP response: no response sent"), seen);
        assertTrue(results("staple", "error") >= 1);
    }

    private static StapleStatus onlyStaple(ProxyServer proxy) {
        List<StapleStatus> staples = proxy.view().staples().get("staple");
        assertEquals(1, staples.size(), String.valueOf(staples));
        return staples.get(0);
    }

    /** What {@code openssl s_client -status} prints of the server's stapled OCSP response. */
    private static String sClientStatus(int port) throws Exception {
        ExternalProcess.Result r = ExternalProcess.run(
                List.of(
                        ExternalProcess.binary("openssl"),
                        "s_client",
                        "-connect",
                        "127.0.0.1:" + port,
                        "-servername",
                        "localhost",
                        "-status"),
                "Q\n",
                20);
        return r.stdout();
    }
}
