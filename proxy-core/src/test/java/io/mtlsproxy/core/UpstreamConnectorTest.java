package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.core.metrics.AccessLogEntry;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.CapturingAccessLog;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestConfigs;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one upstream connector seen from the two kinds of route that use it without a pool: an h2 route whose TLS
 * origin does not choose h2 by ALPN, and a tcp route whose origin's certificate is not trusted. Both are 502 with
 * reason tls, counted in mtls_proxy_upstream_errors.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UpstreamConnectorTest {
    @TempDir
    static Path dir;

    static ProxyFixture fx;
    static ProxyServer proxy;
    static ProxyMetrics metrics = ProxyMetrics.inMemory();
    static CapturingAccessLog log = new CapturingAccessLog();

    @BeforeAll
    static void start() throws Exception {
        fx = new ProxyFixture(dir);
        proxy = fx.start(
                ProxyServer.builder().metrics(metrics).accessLog(log),
                List.of(
                        TestConfigs.listener("plain", ListenerTls.plain()),
                        TestConfigs.listener("tls", TestConfigs.tls(fx.proxyServer))),
                List.of(
                        ProtoConfigs.h2(TestConfigs.route("h1-only", "plain")
                                .prefix("/h1-only")
                                .endpoint(fx.tlsOrigin.port())
                                .tls(fx.originCa.certFile())
                                .serverName("localhost")
                                .build()),
                        ProtoConfigs.tcp(TestConfigs.route("tcp-untrusted", "tls")
                                .host("untrusted.example.com")
                                .endpoint(fx.tlsOrigin.port())
                                .tls(fx.proxyIdCa.certFile())
                                .serverName("localhost")
                                .build())));
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    private static double errors(String route, String reason) {
        var c = metrics.registry()
                .find("mtls_proxy_upstream_errors")
                .tag("route", route)
                .tag("reason", reason)
                .counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void h2RouteToAnOriginWithoutH2IsRefusedByAlpn() throws Exception {
        RawHttpClient.Response r;
        try (RawHttpClient c = RawHttpClient.connect(proxy.port("plain"))) {
            r = c.get("localhost", "/h1-only/x");
        }
        assertEquals(502, r.status());
        assertTrue(r.text().contains("did not agree to HTTP/2 by ALPN (upstream.protocol = h2)"), r.text());
        assertEquals(1.0, errors("h1-only", "tls"));
    }

    @Test
    void tcpRouteToAnUntrustedOriginIs502AndCounted() throws Exception {
        SSLSocket s = (SSLSocket) fx.clientContext(null).getSocketFactory().createSocket();
        try (s) {
            s.connect(new InetSocketAddress("127.0.0.1", proxy.port("tls")), 5000);
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName("untrusted.example.com")));
            s.setSSLParameters(p);
            s.setSoTimeout(10_000);
            s.startHandshake();
            s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            assertEquals(-1, s.getInputStream().read(), "closed without a byte");
        } catch (IOException reset) {
            // a reset is as good a close here
        }
        AccessLogEntry e = log.await(x -> x.route().equals("tcp-untrusted"));
        assertEquals(502, e.status());
        assertTrue(e.reason().startsWith("TLS handshake with origin failed"), e.reason());
        assertEquals(1.0, errors("tcp-untrusted", "tls"));
    }
}
