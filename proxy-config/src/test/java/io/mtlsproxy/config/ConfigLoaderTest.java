package io.mtlsproxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A valid configuration maps every key of DESIGN.md's sketch onto the records; absent keys get the defaults. */
class ConfigLoaderTest {
    @TempDir
    Path dir;

    static final String FULL = """
            admin { bind = "127.0.0.2", port = 9911 }
            expiry { warn-before = 20d, critical-before = 5d }
            listeners = [{
              name = public
              bind = "0.0.0.0"
              port = 8443
              proxy-protocol = true
              tls {
                mode = mtls
                client-auth = optional
                certificates = [
                  { cert = "pki/server.crt", key = "pki/server.key" }
                  { keystore = "pki/proxy.p12", keystore-password = "changeit" }
                ]
                client-ca = "pki/clients-ca.crt"
                crl = "pki/crl.pem"
                verify-depth = 3
                protocols = ["TLSv1.3"]
                sni-host-check = false
              }
              limits {
                max-connections = 100
                max-header-size = 8k
                max-body-size = 1m
                handshake-timeout = 5s
                request-header-timeout = 3s
                idle-timeout = 2m
              }
            }]
            reload { watch = false, interval = 5s }
            shutdown-grace = 12s
            access-log = "logs/access.json"
            routes = [{
              name = orders
              listener = public
              match { host = "API.example.com", path-prefix = "/orders" }
              protocol = http
              client-identity {
                require = true
                mode = report-only
                allow {
                  subjects = ["CN=orders-client,O=Example"]
                  dns-sans = ["*.clients.example.com"]
                  uri-sans = ["spiffe://example.org/ns/prod/sa/checkout", "spiffe://example.org/ns/dev/*"]
                  sha256-fingerprints = ["AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"]
                }
              }
              forward-client-cert = append-forward
              upstream {
                endpoints = ["10.0.0.5:9443", "orders.internal:9443", "[::1]:9443"]
                protocol = h2
                tls {
                  mode = mtls
                  trust-ca = "pki/origin-ca.crt"
                  server-name = "orders.internal"
                  verify-hostname = false
                  expected-uri-sans = ["spiffe://example.org/ns/prod/sa/orders"]
                  cert = "pki/client.crt"
                  key = "pki/client.key"
                }
                connect-timeout = 1500ms
                response-timeout = 1m
                max-connections-per-endpoint = 16
              }
            }]
            """;

    @Test
    void mapsEveryKeyOfTheSketch() throws Exception {
        ConfigFixture f = new ConfigFixture(dir);
        f.write("logs/.keep", "");
        ProxyConfig c = f.load(FULL);

        assertEquals(f.main().toAbsolutePath().normalize(), c.file());
        assertEquals(new AdminConfig("127.0.0.2", 9911), c.admin());
        assertEquals(new ExpiryConfig(Duration.ofDays(20), Duration.ofDays(5)), c.expiry());
        assertEquals(new ReloadConfig(false, Duration.ofSeconds(5)), c.reload());
        assertEquals(Duration.ofSeconds(12), c.shutdownGrace());
        assertEquals(
                dir.resolve("logs/access.json").toAbsolutePath().normalize().toString(), c.accessLog());
        assertEquals(Optional.empty(), c.routesDir());

        ListenerConfig l = c.listeners().get(0);
        assertEquals("public", l.name());
        assertEquals("0.0.0.0", l.bind());
        assertEquals(8443, l.port());
        assertTrue(l.proxyProtocol());
        assertEquals(new Source(f.main().toString(), 3), l.source());
        ListenerTls tls = l.tls();
        assertEquals(TlsMode.MTLS, tls.mode());
        assertEquals(ClientAuth.OPTIONAL, tls.clientAuth());
        assertEquals(2, tls.certificates().size());
        KeyMaterial pem = tls.certificates().get(0);
        assertEquals(dir.resolve("pki/server.crt"), pem.cert().orElseThrow().path());
        assertEquals(
                "listeners[0].tls.certificates[0].cert",
                pem.cert().orElseThrow().key());
        assertEquals(12, pem.cert().orElseThrow().source().line());
        assertEquals(dir.resolve("pki/server.key"), pem.key().orElseThrow().path());
        assertEquals("listeners[0].tls.certificates[0]", pem.keyPath());
        KeyMaterial p12 = tls.certificates().get(1);
        assertTrue(p12.isPkcs12());
        assertEquals(dir.resolve("pki/proxy.p12"), p12.keystore().orElseThrow().path());
        assertEquals(Optional.of("changeit"), p12.keystorePassword());
        assertEquals(
                dir.resolve("pki/clients-ca.crt"), tls.clientCa().orElseThrow().path());
        assertEquals(dir.resolve("pki/crl.pem"), tls.crl().orElseThrow().path());
        assertEquals(3, tls.verifyDepth());
        assertEquals(List.of("TLSv1.3"), tls.protocols());
        assertFalse(tls.sniHostCheck());
        assertEquals(
                new Limits(
                        100,
                        8 * 1024,
                        1024 * 1024,
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(3),
                        Duration.ofMinutes(2)),
                l.limits());

        RouteConfig r = c.routes().get(0);
        assertEquals("orders", r.name());
        assertEquals("public", r.listener());
        assertEquals(new Match(Optional.of("api.example.com"), "/orders"), r.match());
        assertEquals(RouteProtocol.HTTP, r.protocol());
        assertTrue(r.clientIdentity().require());
        assertEquals(IdentityMode.REPORT_ONLY, r.clientIdentity().mode());
        AllowList allow = r.clientIdentity().allow();
        assertEquals(List.of("CN=orders-client,O=Example"), allow.subjects());
        assertEquals(List.of("*.clients.example.com"), allow.dnsSans());
        assertEquals(
                List.of("spiffe://example.org/ns/prod/sa/checkout", "spiffe://example.org/ns/dev/*"), allow.uriSans());
        assertEquals(List.of("abcdef0123456789".repeat(4)), allow.sha256Fingerprints());
        assertEquals(ForwardClientCert.APPEND_FORWARD, r.forwardClientCert());
        UpstreamConfig u = r.upstream();
        assertEquals(
                List.of(
                        new Endpoint("10.0.0.5", 9443),
                        new Endpoint("orders.internal", 9443),
                        new Endpoint("::1", 9443)),
                u.endpoints());
        assertEquals(UpstreamProtocol.H2, u.protocol());
        assertEquals(Duration.ofMillis(1500), u.connectTimeout());
        assertEquals(Duration.ofMinutes(1), u.responseTimeout());
        assertEquals(16, u.maxConnectionsPerEndpoint());
        UpstreamTls ut = u.tls();
        assertEquals(UpstreamTlsMode.MTLS, ut.mode());
        assertEquals(
                dir.resolve("pki/origin-ca.crt"), ut.trustCa().orElseThrow().path());
        assertEquals(Optional.of("orders.internal"), ut.serverName());
        assertFalse(ut.verifyHostname());
        assertEquals(List.of("spiffe://example.org/ns/prod/sa/orders"), ut.expectedUriSans());
        KeyMaterial client = ut.clientIdentity().orElseThrow();
        assertEquals(dir.resolve("pki/client.crt"), client.cert().orElseThrow().path());
        assertEquals("routes[0].upstream.tls.key", client.key().orElseThrow().key());
    }

    @Test
    void absentKeysGetTheSafeDefaults() throws Exception {
        ProxyConfig c = new ConfigFixture(dir).load("""
                listeners = [{ name = lb, port = 8080 }]
                routes = [{ name = app, listener = lb, upstream { endpoints = ["127.0.0.1:8081"] } }]
                """);
        assertEquals(AdminConfig.DEFAULT, c.admin());
        assertEquals(ExpiryConfig.DEFAULT, c.expiry());
        assertEquals(ReloadConfig.DEFAULT, c.reload());
        assertEquals(ProxyConfig.DEFAULT_SHUTDOWN_GRACE, c.shutdownGrace());
        assertEquals("stdout", c.accessLog());
        ListenerConfig l = c.listeners().get(0);
        assertEquals("0.0.0.0", l.bind());
        assertFalse(l.proxyProtocol());
        assertEquals(ListenerTls.plain(), l.tls());
        assertEquals(Limits.DEFAULT, l.limits());
        RouteConfig r = c.routes().get(0);
        assertEquals(new Match(Optional.empty(), "/"), r.match());
        assertEquals(RouteProtocol.HTTP, r.protocol());
        assertEquals(ClientIdentity.NONE, r.clientIdentity());
        assertEquals(ForwardClientCert.SANITIZE_SET, r.forwardClientCert());
        UpstreamConfig u = r.upstream();
        assertEquals(UpstreamProtocol.H1, u.protocol());
        assertEquals(UpstreamTls.PLAIN, u.tls());
        assertEquals(UpstreamConfig.DEFAULT_CONNECT_TIMEOUT, u.connectTimeout());
        assertEquals(UpstreamConfig.DEFAULT_RESPONSE_TIMEOUT, u.responseTimeout());
        assertEquals(UpstreamConfig.DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT, u.maxConnectionsPerEndpoint());
    }

    @Test
    void listenerTlsAndUpstreamTlsDefaults() throws Exception {
        ProxyConfig c = new ConfigFixture(dir).load("""
                listeners = [{ name = edge, port = 0
                  tls { mode = mtls, client-ca = "pki/clients-ca.crt"
                        certificates = [{ cert = "pki/server.crt", key = "pki/server.key" }] } }]
                routes = [{ name = app, listener = edge
                  upstream { endpoints = ["origin:443"], tls { mode = tls } } }]
                """);
        ListenerTls tls = c.listeners().get(0).tls();
        assertEquals(ClientAuth.REQUIRED, tls.clientAuth());
        assertEquals(ListenerTls.DEFAULT_VERIFY_DEPTH, tls.verifyDepth());
        assertEquals(ListenerTls.DEFAULT_PROTOCOLS, tls.protocols());
        assertTrue(tls.sniHostCheck());
        assertEquals(Optional.empty(), tls.crl());
        UpstreamTls ut = c.routes().get(0).upstream().tls();
        assertEquals(UpstreamTlsMode.TLS, ut.mode());
        assertEquals(Optional.empty(), ut.trustCa(), "absent trust-ca = the JDK's default trust store");
        assertEquals(Optional.empty(), ut.serverName());
        assertTrue(ut.verifyHostname());
        assertEquals(Optional.empty(), ut.clientIdentity());
    }

    @Test
    void substitutesEnvironmentVariablesFromTheGivenMap() throws Exception {
        ConfigFixture f = new ConfigFixture(dir).env(Map.of("P12_PASSWORD", "s3cret", "EDGE_PORT", "9443"));
        ProxyConfig c = f.load("""
                listeners = [{ name = edge, port = ${EDGE_PORT}, bind = ${?EDGE_BIND}
                  tls { mode = tls
                        certificates = [{ keystore = "pki/proxy.p12", keystore-password = ${?P12_PASSWORD} }] } }]
                admin.port = ${?ADMIN_PORT}
                """);
        ListenerConfig l = c.listeners().get(0);
        assertEquals(9443, l.port());
        assertEquals("0.0.0.0", l.bind(), "an unset ${?VAR} leaves the key out: the default applies");
        assertEquals(Optional.of("s3cret"), l.tls().certificates().get(0).keystorePassword());
        assertEquals(AdminConfig.DEFAULT.port(), c.admin().port());
    }

    @Test
    void mergesRouteFilesInNameOrderWithPathsRelativeToEachFile() throws Exception {
        ConfigFixture f = new ConfigFixture(dir);
        f.write("routes.d/20-billing.conf", """
                routes = [{ name = billing, listener = edge, match { path-prefix = "/billing" }
                  upstream { endpoints = ["billing:8443"]
                    tls { mode = mtls, trust-ca = "../pki/origin-ca.crt"
                          cert = "../pki/client.crt", key = "../pki/client.key" } } }]
                """);
        f.write("routes.d/10-orders.conf", """
                routes = [{ name = orders, listener = edge, match { path-prefix = "/orders" }
                  upstream { endpoints = ["orders:8080"] } }]
                """);
        f.write("routes.d/README.md", "not a route file: ignored");
        ProxyConfig c = f.load("""
                listeners = [{ name = edge, port = 8080 }]
                routes-dir = "routes.d"
                routes = [{ name = main, listener = edge, upstream { endpoints = ["main:8080"] } }]
                """);
        assertEquals(
                List.of("main", "orders", "billing"),
                c.routes().stream().map(RouteConfig::name).toList());
        assertEquals(Optional.of(dir.resolve("routes.d").toAbsolutePath().normalize()), c.routesDir());
        UpstreamTls billing = c.routes().get(2).upstream().tls();
        assertEquals(
                dir.resolve("pki/origin-ca.crt"),
                billing.trustCa().orElseThrow().path());
        assertEquals(
                dir.resolve("pki/client.key"),
                billing.clientIdentity().orElseThrow().key().orElseThrow().path());
        Source billingSource = c.routes().get(2).source();
        assertEquals(dir.resolve("routes.d/20-billing.conf").toString(), billingSource.file());
        assertEquals(1, billingSource.line());
    }

    /**
     * Route files are parsed in parallel: their routes, and their errors, still come in file-name order, the same at
     * every load, whichever thread read which file.
     */
    @Test
    void routeFilesReadInParallelGiveRoutesAndErrorsInNameOrder() throws Exception {
        ConfigFixture f = new ConfigFixture(dir);
        String main = """
                listeners = [{ name = edge, port = 8080 }]
                routes-dir = "routes.d"
                """;
        List<String> names = new ArrayList<>();
        for (int file = 0; file < 24; file++) {
            StringBuilder text = new StringBuilder("routes = [\n");
            for (int r = 0; r < 5; r++) {
                String name = "t" + file + "-r" + r;
                names.add(name);
                text.append("  { name = ")
                        .append(name)
                        .append(", listener = edge, match { path-prefix = \"/")
                        .append(name)
                        .append("\" }, upstream { endpoints = [\"o")
                        .append(file)
                        .append(":80\"] } }\n");
            }
            f.write(
                    "routes.d/team" + (char) ('a' + file) + ".conf",
                    text.append("]\n").toString());
        }
        ProxyConfig clean = f.load(main);
        assertEquals(names, clean.routes().stream().map(RouteConfig::name).toList());

        List<Path> broken = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        for (int file = 0; file < 24; file += 3) { // every third file: a bad endpoint, two lines further each time
            String text = "routes = [\n" + "\n".repeat(file / 3) + "  { name = bad" + file
                    + ", listener = edge, match { path-prefix = \"/bad" + file
                    + "\" }, upstream { endpoints = [\"no port\"] } }\n]\n";
            broken.add(f.write("routes.d/team" + (char) ('a' + file) + ".conf", text));
            lines.add(ConfigFixture.line(text, "no port"));
        }
        List<ConfigError> first = f.errors(main);
        ConfigFixture.assertCount(broken.size(), first);
        for (int i = 0; i < broken.size(); i++) {
            assertEquals(broken.get(i).toString(), first.get(i).source().file(), ConfigFixture.render(first));
            assertEquals(lines.get(i), first.get(i).source().line(), ConfigFixture.render(first));
        }
        for (int again = 0; again < 3; again++) {
            assertEquals(ConfigFixture.render(first), ConfigFixture.render(f.errors(main)));
        }
    }

    @Test
    void watchesTheConfigFilesAndEveryFileTheyName() throws Exception {
        ConfigFixture f = new ConfigFixture(dir);
        f.write("routes.d/a.conf", """
                routes = [{ name = a, listener = edge
                  upstream { endpoints = ["a:443"], tls { mode = tls, trust-ca = "../pki/origin-ca.crt" } } }]
                """);
        ProxyConfig c = f.load("""
                routes-dir = routes.d
                listeners = [{ name = edge, port = 0
                  tls { mode = mtls, client-ca = "pki/clients-ca.crt", crl = "pki/crl.pem"
                        certificates = [{ cert = "pki/server.crt", key = "pki/server.key" }
                                        { keystore = "pki/proxy.p12" }] } }]
                """);
        Path abs = dir.toAbsolutePath().normalize();
        assertEquals(
                List.of(
                        abs.resolve("mtls-proxy.conf"),
                        abs.resolve("routes.d/a.conf"),
                        abs.resolve("pki/server.crt"),
                        abs.resolve("pki/server.key"),
                        abs.resolve("pki/proxy.p12"),
                        abs.resolve("pki/clients-ca.crt"),
                        abs.resolve("pki/crl.pem"),
                        abs.resolve("pki/origin-ca.crt")),
                c.watchedFiles());
    }

    @Test
    void accessLogKeepsStdoutAndOff() throws Exception {
        ConfigFixture f = new ConfigFixture(dir);
        assertEquals(
                "off",
                f.load("listeners = [{ name = a, port = 0 }]\naccess-log = off\n")
                        .accessLog());
        assertEquals(
                "stdout",
                f.load("listeners = [{ name = a, port = 0 }]\naccess-log = stdout\n")
                        .accessLog());
        // the stream operations.md documents, not a file named "stderr" next to the configuration
        assertEquals(
                "stderr",
                f.load("listeners = [{ name = a, port = 0 }]\naccess-log = stderr\n")
                        .accessLog());
    }

    @Test
    void parseReadsTextAsIfItWereTheGivenFile() throws Exception {
        new ConfigFixture(dir);
        ProxyConfig c = ConfigLoader.parse("""
                listeners = [{ name = a, port = 0
                  tls { mode = tls, certificates = [{ cert = "pki/server.crt", key = "pki/server.key" }] } }]
                """, dir.resolve("virtual.conf"), Map.of());
        assertEquals(
                dir.resolve("pki/server.crt"),
                c.listeners()
                        .get(0)
                        .tls()
                        .certificates()
                        .get(0)
                        .cert()
                        .orElseThrow()
                        .path());
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(
                ConfigException.class,
                () -> ConfigLoader.parse("\nlisteners = [{ name = a, port = -1 }]\n", dir.resolve("v.conf"), Map.of()));
        assertEquals(
                dir.resolve("v.conf") + ":2: listeners[0].port: -1 (expected: 0..65535)",
                e.errors().get(0).toString());
    }
}
