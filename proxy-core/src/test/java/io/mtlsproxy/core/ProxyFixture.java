package io.mtlsproxy.core;

import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.ProxyConfig;
import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestOrigin;
import io.mtlsproxy.core.testing.TestPki;
import io.mtlsproxy.core.testing.TestTls;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * The PKI and origins most data-path tests share: a CA for the proxy's server certificates, one for clients, one
 * for origins and one for the proxy's client identities; a plain, a TLS and an mTLS origin (the last trusts only the
 * proxy-identity CA). Proxies are started per test from listeners and routes.
 */
final class ProxyFixture implements AutoCloseable {
    final TestPki pki;
    final TestPki.Ca serverCa;
    final TestPki.Ca clientCa;
    final TestPki.Ca originCa;
    final TestPki.Ca proxyIdCa;
    final TestPki.Leaf proxyServer;
    final TestPki.Leaf client;
    final TestPki.Leaf originCert;
    final TestPki.Leaf proxyId;
    final TestOrigin plainOrigin;
    final TestOrigin tlsOrigin;
    final TestOrigin mtlsOrigin;
    private final List<ProxyServer> proxies = new ArrayList<>();
    private final List<AutoCloseable> extra = new ArrayList<>();

    ProxyFixture(Path dir) {
        pki = new TestPki(dir);
        serverCa = pki.ca("proxy-server");
        clientCa = pki.ca("clients");
        originCa = pki.ca("origins");
        proxyIdCa = pki.ca("proxy-ids");
        proxyServer = serverCa.server("proxy", "api.example.com", "other.example.com");
        client = clientCa.client("client-a", "spiffe://example.org/ns/prod/sa/checkout");
        originCert = originCa.server("origin");
        proxyId = proxyIdCa.client("proxy-to-origin", "spiffe://example.org/ns/edge/sa/proxy");
        plainOrigin = TestOrigin.start("plain-origin", TestOrigin.Mode.PLAIN, null, null);
        tlsOrigin = TestOrigin.start("tls-origin", TestOrigin.Mode.TLS, originCert, null);
        mtlsOrigin = TestOrigin.start("mtls-origin", TestOrigin.Mode.MTLS, originCert, proxyIdCa.certFile());
    }

    <T extends AutoCloseable> T closeLater(T resource) {
        extra.add(resource);
        return resource;
    }

    ProxyServer start(List<ListenerConfig> listeners, List<RouteConfig> routes) throws ConfigException, IOException {
        return start(ProxyServer.builder().metrics(ProxyMetrics.inMemory()), listeners, routes);
    }

    ProxyServer start(ProxyServerBuilder builder, List<ListenerConfig> listeners, List<RouteConfig> routes)
            throws ConfigException, IOException {
        ProxyServer server = builder.build();
        proxies.add(server);
        server.start(config(listeners, routes));
        return server;
    }

    ProxyConfig config(List<ListenerConfig> listeners, List<RouteConfig> routes) {
        return TestConfigs.config(pki.dir().resolve("proxy.conf"), listeners, routes);
    }

    /**
     * HOCON for one mTLS listener named {@code name} on a free loopback port, with the proxy's server certificate and
     * the client CA: the start of a configuration that a test completes with its routes.
     */
    String mtlsListenerHocon(String name) {
        return """
                listeners = [{ name = %s, bind = "127.0.0.1", port = 0
                  tls { mode = mtls, client-ca = "%s"
                        certificates = [{ cert = "%s", key = "%s" }] } }]
                """.formatted(name, clientCa.certFile(), proxyServer.certFile(), proxyServer.keyFile());
    }

    /** A route to {@code port} over mTLS as the proxy's client identity, trusting the origin CA (origin "localhost"). */
    TestConfigs.RouteBuilder mtlsRoute(String name, String listener, String prefix, int port) {
        return TestConfigs.route(name, listener)
                .prefix(prefix)
                .endpoint(port)
                .mtls(originCa.certFile(), proxyId)
                .serverName("localhost");
    }

    /** A client of the proxy's TLS listeners; {@code cert} null for none. */
    SSLContext clientContext(TestPki.Leaf cert) {
        return TestTls.client(serverCa.certFile(), cert);
    }

    RawHttpClient connect(ProxyServer proxy, String listener, TestPki.Leaf cert) throws IOException {
        boolean tls = proxy.snapshot().listener(listener).tls().isPresent();
        return tls
                ? RawHttpClient.connectTls(proxy.port(listener), clientContext(cert), "localhost")
                : RawHttpClient.connect(proxy.port(listener));
    }

    /** 200 through the listener, or -1 when the TLS connection was refused (with TLS 1.3: on the first read). */
    int status(ProxyServer proxy, String listener, TestPki.Leaf client) {
        try (RawHttpClient c = connect(proxy, listener, client)) {
            return c.get("localhost", "/x").status();
        } catch (IOException e) {
            return -1;
        }
    }

    /** {@code mtls_proxy_revoked_connections_closed_total} of a listener and reason. */
    static double closedConnections(ProxyMetrics metrics, String listener, String reason) {
        return count(metrics, "mtls_proxy_revoked_connections_closed", "listener", listener, "reason", reason);
    }

    /** A counter's value by its Micrometer name and tags (name, value, ...); 0 when it was never incremented. */
    static double count(ProxyMetrics metrics, String name, String... tags) {
        var c = metrics.registry().find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Override
    public void close() {
        for (ProxyServer p : proxies) {
            p.close();
        }
        for (AutoCloseable c : extra) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
        plainOrigin.close();
        tlsOrigin.close();
        mtlsOrigin.close();
    }
}
