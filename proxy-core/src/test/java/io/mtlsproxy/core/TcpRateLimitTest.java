package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ConfigLoader;
import io.mtlsproxy.core.metrics.AccessLogEntry;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.CapturingAccessLog;
import io.mtlsproxy.core.testing.TcpEchoOrigin;
import io.mtlsproxy.core.testing.TestPki;
import java.io.ByteArrayOutputStream;
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
 * {@code rate-limit} on {@code protocol = tcp} routes, configured from HOCON, through a running mTLS listener to a
 * TCP echo origin: each connection takes a token; one over the limit is closed without a byte, never reaches the
 * origin, is logged as 429 and counted as {@code limited}, while another client (another SPIFFE ID, or another
 * address for {@code key = client-address}) is still relayed.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TcpRateLimitTest {
    @TempDir
    static Path dir;

    static ProxyFixture fx;
    static TcpEchoOrigin echo;
    static TcpEchoOrigin addressEcho;
    static ProxyServer proxy;
    static ProxyMetrics metrics;
    static CapturingAccessLog log;
    static TestPki.Leaf billing;

    @BeforeAll
    static void start() throws Exception {
        fx = new ProxyFixture(dir);
        echo = fx.closeLater(new TcpEchoOrigin(null, false));
        addressEcho = fx.closeLater(new TcpEchoOrigin(null, false));
        billing = fx.clientCa.client("client-b", "spiffe://example.org/ns/prod/sa/billing");
        metrics = ProxyMetrics.inMemory();
        log = new CapturingAccessLog();
        proxy = ProxyServer.builder().metrics(metrics).accessLog(log).build();
        fx.closeLater(proxy);
        proxy.start(ConfigLoader.parse(
                fx.mtlsListenerHocon("edge") + """
                routes = [
                  { name = per-client, listener = edge, protocol = tcp, match.host = "per-client.example.com"
                    upstream.endpoints = ["127.0.0.1:%d"]
                    rate-limit { key = client-identity, rate = 1, per = 1m, burst = 2 } }
                  { name = per-address, listener = edge, protocol = tcp, match.host = "per-address.example.com"
                    upstream.endpoints = ["127.0.0.1:%d"]
                    rate-limit { key = client-address, rate = 1, per = 1m, burst = 1 } }
                ]
                """.formatted(echo.port(), addressEcho.port()),
                dir.resolve("proxy.conf")));
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @Test
    void perClientIdentityRefusesOneSpiffeIdAndRelaysTheOther() throws Exception {
        String sni = "per-client.example.com";
        assertEquals("echo:one\n", relay(fx.client, "127.0.0.1", sni, "one"));
        assertEquals("echo:two\n", relay(fx.client, "127.0.0.1", sni, "two"), "burst = 2");
        assertEquals("", relay(fx.client, "127.0.0.1", sni, "three"), "over the limit: closed without a byte");
        assertEquals("echo:four\n", relay(billing, "127.0.0.1", sni, "four"), "another SPIFFE ID: its own bucket");
        assertEquals("", relay(fx.client, "127.0.0.2", sni, "five"), "the same identity from another address");

        assertEquals("one\n", echo.awaitRequest());
        assertEquals("two\n", echo.awaitRequest());
        assertEquals("four\n", echo.awaitRequest(), "refused connections never reach the origin");
        AccessLogEntry refused = log.await(e -> e.route().equals("per-client") && e.status() == 429);
        assertTrue(refused.reason().contains("rate limit of route per-client"), refused.reason());
        assertEquals("TCP", refused.method());
        assertEquals(3.0, rateLimit("per-client", "allowed"));
        assertEquals(2.0, rateLimit("per-client", "limited"));
    }

    @Test
    void perClientAddressRefusesOneAddressAndRelaysAnother() throws Exception {
        String sni = "per-address.example.com";
        assertEquals("echo:a\n", relay(fx.client, "127.0.0.1", sni, "a"));
        assertEquals("", relay(billing, "127.0.0.1", sni, "b"), "another identity from the same address");
        assertEquals("echo:c\n", relay(fx.client, "127.0.0.2", sni, "c"), "the same identity from another address");

        assertEquals("a\n", addressEcho.awaitRequest());
        assertEquals("c\n", addressEcho.awaitRequest());
        AccessLogEntry refused = log.await(e -> e.route().equals("per-address") && e.status() == 429);
        assertEquals("127.0.0.1", refused.remoteAddress());
        assertEquals(2.0, rateLimit("per-address", "allowed"));
        assertEquals(1.0, rateLimit("per-address", "limited"));
    }

    /**
     * Connects from {@code from} (any 127/8 address is loopback on Linux) with SNI {@code sni}, sends a line and
     * returns what came back before the close: the echo, or nothing when the proxy closed the connection.
     */
    private static String relay(TestPki.Leaf client, String from, String sni, String line) throws IOException {
        try (SSLSocket s =
                (SSLSocket) fx.clientContext(client).getSocketFactory().createSocket()) {
            s.bind(new InetSocketAddress(from, 0));
            s.connect(new InetSocketAddress("127.0.0.1", proxy.port("edge")), 5000);
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName(sni)));
            s.setSSLParameters(p);
            s.setSoTimeout(10_000);
            s.startHandshake();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try {
                s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                s.getInputStream().transferTo(got);
            } catch (IOException closed) {
                // a reset after the refusal is as good a refusal as a close
            }
            return got.toString(StandardCharsets.US_ASCII);
        }
    }

    private static double rateLimit(String route, String result) {
        var c = metrics.registry()
                .find("mtls_proxy_rate_limit_requests")
                .tag("route", route)
                .tag("result", result)
                .counter();
        return c == null ? 0 : c.count();
    }
}
