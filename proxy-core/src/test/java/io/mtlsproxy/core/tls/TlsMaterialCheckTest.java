package io.mtlsproxy.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.AccessLogFormat;
import io.mtlsproxy.config.AdminConfig;
import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.ClientsConfig;
import io.mtlsproxy.config.ConfigError;
import io.mtlsproxy.config.ExpiryConfig;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.ProxyConfig;
import io.mtlsproxy.config.ReloadConfig;
import io.mtlsproxy.config.RenewalConfig;
import io.mtlsproxy.config.RequestIdConfig;
import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.config.UpstreamTlsMode;
import io.mtlsproxy.core.testing.TestPki;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code check-config}: every broken certificate, key, CA and CRL of a configuration, in one run. */
class TlsMaterialCheckTest {
    @TempDir
    static Path dir;

    static TestPki pki;
    static TestPki.Ca serverCa;
    static TestPki.Ca clientCa;
    static TestPki.Ca originCa;
    static TestPki.Leaf server;
    static TestPki.Leaf other;

    @BeforeAll
    static void pki() {
        pki = new TestPki(dir);
        serverCa = pki.ca("servers");
        clientCa = pki.ca("clients");
        originCa = pki.ca("origins");
        server = serverCa.server("proxy.example.com");
        other = serverCa.server("other.example.com");
    }

    static ProxyConfig config(List<ListenerConfig> listeners, List<RouteConfig> routes) {
        return new ProxyConfig(
                dir.resolve("proxy.conf"),
                AdminConfig.DEFAULT,
                ExpiryConfig.DEFAULT,
                listeners,
                routes,
                ReloadConfig.DEFAULT,
                ProxyConfig.DEFAULT_SHUTDOWN_GRACE,
                "off",
                Optional.empty(),
                List.of(),
                Map.of(),
                RenewalConfig.DEFAULT,
                ProxyConfig.DEFAULT_DRAIN_DELAY,
                Optional.empty(),
                ClientsConfig.DEFAULT,
                RequestIdConfig.DEFAULT,
                AccessLogFormat.DEFAULT);
    }

    static RouteConfig route(String name, Path trustCa) {
        return TestConfigs.route(name, TestConfigs.upstream(name, UpstreamTlsMode.TLS, trustCa, null, List.of(), null));
    }

    @Test
    void aTicketKeyFileOfTheWrongSizeIsReported() throws Exception {
        Path keys = java.nio.file.Files.write(dir.resolve("tickets.key"), new byte[48]); // nginx's AES-128 size
        ProxyConfig c = config(List.of(), List.of());
        ProxyConfig withKeys = new ProxyConfig(
                c.file(),
                c.admin(),
                c.expiry(),
                c.listeners(),
                c.routes(),
                c.reload(),
                c.shutdownGrace(),
                c.accessLog(),
                c.routesDir(),
                c.watchedFiles(),
                c.issuers(),
                c.renewal(),
                c.drainDelay(),
                Optional.of(new io.mtlsproxy.config.FileRef(
                        keys, "session-tickets.keys", new io.mtlsproxy.config.Source("proxy.conf", 7))),
                c.clients(),
                RequestIdConfig.DEFAULT,
                AccessLogFormat.DEFAULT);
        List<String> errors = TlsMaterialCheck.check(withKeys).errors().stream()
                .map(ConfigError::toString)
                .toList();
        assertEquals(
                List.of("proxy.conf:7: session-tickets.keys: " + keys + ": 48 bytes (expected: 80-byte keys"
                        + " back to back, as nginx's ssl_session_ticket_key; e.g. openssl rand 80 > tickets.key)"),
                errors);
    }

    @Test
    void everyProblemIsReportedInOneRun() {
        Path foreignCrl = pki.ca("foreign").crl();
        ListenerConfig broken = TestConfigs.mtls(
                "public",
                ClientAuth.REQUIRED,
                dir.resolve("missing-ca.crt"),
                null,
                2,
                TestConfigs.pem("public", 0, server.certFile(), other.keyFile()));
        ListenerConfig badCrl = TestConfigs.mtls(
                "internal",
                ClientAuth.REQUIRED,
                clientCa.certFile(),
                foreignCrl,
                2,
                TestConfigs.pem("internal", 0, server));
        RouteConfig keyAsCa = route("orders", server.keyFile());

        TlsMaterialCheck.Result result = TlsMaterialCheck.check(config(List.of(broken, badCrl), List.of(keyAsCa)));

        List<String> errors =
                result.errors().stream().map(ConfigError::toString).toList();
        assertEquals(4, errors.size(), () -> String.join("\n", errors));
        assertTrue(
                errors.get(0).startsWith("proxy.conf:11: listeners.public.tls.certificates[0].key: the private key in"),
                errors.get(0));
        assertEquals(
                "proxy.conf:30: listeners.public.tls.client-ca: file not found: " + dir.resolve("missing-ca.crt"),
                errors.get(1));
        assertTrue(
                errors.get(2).startsWith("proxy.conf:31: listeners.internal.tls.crl: the CRL of CN=foreign"),
                errors.get(2));
        assertTrue(
                errors.get(2)
                        .endsWith("is not signed by any CA of the client-ca bundle (expected: a CRL issued by "
                                + "one of the trusted CAs)"),
                errors.get(2));
        assertEquals(
                "proxy.conf:60: routes.orders.upstream.tls.trust-ca: no certificate in " + server.keyFile()
                        + " (expected: at least one PEM \"BEGIN CERTIFICATE\" block)",
                errors.get(3));
    }

    @Test
    void aGoodConfigurationListsEveryCertificateAndCrlOncePerOwner() {
        ListenerConfig mtls = TestConfigs.mtls(
                "public",
                ClientAuth.REQUIRED,
                clientCa.certFile(),
                clientCa.crl(),
                2,
                TestConfigs.pem("public", 0, server),
                TestConfigs.pem("public", 1, other));
        ListenerConfig plainTls = TestConfigs.tls("internal", TestConfigs.pem("internal", 0, server));

        TlsMaterialCheck.Result result = TlsMaterialCheck.check(config(
                List.of(mtls, plainTls),
                List.of(route("orders", originCa.certFile()), route("billing", originCa.certFile()))));

        assertTrue(result.ok(), () -> result.errors().toString());
        assertEquals(
                List.of(
                        "listener-server public CN=proxy.example.com",
                        "listener-server public CN=other.example.com",
                        "listener-client-ca public CN=clients",
                        "listener-server internal CN=proxy.example.com",
                        "upstream-trust orders CN=origins",
                        "upstream-trust billing CN=origins"),
                result.certificates().stream()
                        .map(u -> u.usage() + " " + u.owner() + " "
                                + u.certificate().getSubjectX500Principal().getName())
                        .toList());
        assertEquals(1, result.crls().size());
        assertEquals("public", result.crls().get(0).owner());
    }
}
