package io.mtlsproxy.core;

import io.mtlsproxy.config.ConfigLoader;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestPki;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * An edge proxy run from files, as in production: {@code proxy.conf} with an mTLS listener {@code edge}
 * ({@code server.crt}/{@code .key} or {@code server.p12}, {@code clients-ca.crt}, {@code clients.crl}), a route
 * {@code plain} ({@code /plain}) to the plain origin and a route {@code secure} ({@code /secure}) to the mTLS
 * origin presenting {@code proxy-id.crt}/{@code .key}, plus a {@code routes.d} directory. Starts from the
 * fixture's certificates.
 */
final class EdgeSetup {
    static final String P12_PASSWORD = "changeit";

    final ProxyFixture fx;
    final LiveFiles files;
    final ProxyMetrics metrics = ProxyMetrics.inMemory();
    ProxyServer proxy;

    EdgeSetup(Path dir) {
        fx = new ProxyFixture(dir.resolve("pki"));
        files = new LiveFiles(dir.resolve("conf"));
        files.pair("server", fx.proxyServer, true);
        files.caBundle("clients-ca.crt", fx.clientCa);
        files.crls("clients.crl", crl(fx.clientCa));
        files.pair("proxy-id", fx.proxyId, true);
        files.caBundle("origins-ca.crt", fx.originCa);
        files.text("routes.d/README.md", "route files go here\n");
    }

    Path configFile() {
        return files.path("proxy.conf");
    }

    /** Writes proxy.conf with the listener certificate from PEM files, or from the PKCS#12 keystore. */
    void writeConfig(boolean pkcs12) {
        String certificate = pkcs12
                ? "{ keystore = \"server.p12\", keystore-password = \"" + P12_PASSWORD + "\" }"
                : "{ cert = \"server.crt\", key = \"server.key\" }";
        files.text("proxy.conf", """
                admin { port = 0 }
                access-log = off
                listeners = [{
                  name = edge
                  bind = "127.0.0.1"
                  port = 0
                  tls {
                    mode = mtls
                    certificates = [%s]
                    client-ca = "clients-ca.crt"
                    crl = "clients.crl"
                  }
                }]
                routes-dir = "routes.d"
                routes = [
                  { name = plain, listener = edge, match { path-prefix = "/plain" }
                    upstream { endpoints = ["127.0.0.1:%d"] } }
                  { name = secure, listener = edge, match { path-prefix = "/secure" }
                    upstream {
                      endpoints = ["127.0.0.1:%d"]
                      tls { mode = mtls, trust-ca = "origins-ca.crt", cert = "proxy-id.crt", key = "proxy-id.key" }
                    } }
                ]
                """.formatted(certificate, fx.plainOrigin.port(), fx.mtlsOrigin.port()));
    }

    ProxyServer start(boolean pkcs12) throws Exception {
        writeConfig(pkcs12);
        proxy = ProxyServer.builder().metrics(metrics).build();
        fx.closeLater(proxy);
        proxy.start(ConfigLoader.load(configFile()));
        return proxy;
    }

    RawHttpClient connect(TestPki.Leaf client) throws Exception {
        return fx.connect(proxy, "edge", client);
    }

    /** The serial of the server certificate a new handshake presents. */
    BigInteger handshakeSerial(TestPki.Leaf client) throws Exception {
        try (RawHttpClient c = connect(client)) {
            return serial(c);
        }
    }

    static BigInteger serial(RawHttpClient c) throws Exception {
        return c.serverCertificate().getSerialNumber();
    }

    /** The serial of the certificate the running snapshot serves on the listener. */
    BigInteger servingSerial() {
        return proxy.view().certificates().stream()
                .filter(u -> u.usage().equals("listener-server"))
                .findFirst()
                .orElseThrow()
                .certificate()
                .getSerialNumber();
    }

    double reloads(String result) {
        return metrics.registry()
                .get("mtls_proxy_config_reloads")
                .tag("result", result)
                .counter()
                .count();
    }

    /** A CRL of {@code ca} revoking {@code revoked}, next update in a week. */
    static X509CRL crl(TestPki.Ca ca, TestPki.Leaf... revoked) {
        Map<BigInteger, Instant> serials = new HashMap<>();
        for (TestPki.Leaf l : revoked) {
            serials.put(l.serial(), Instant.now().minusSeconds(30));
        }
        return ca.authority()
                .crl(serials, Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(7)));
    }

    void close() {
        fx.close();
    }
}
