package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.core.testing.Echo;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestConfigs;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every inbound mode with every outbound mode: 3 × 3 real handshakes through one proxy. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyMatrixTest {
    @TempDir
    static Path dir;

    static ProxyFixture fx;
    static ProxyServer proxy;

    @BeforeAll
    static void start() throws Exception {
        fx = new ProxyFixture(dir);
        List<ListenerConfig> listeners = List.of(
                TestConfigs.listener("plain", io.mtlsproxy.config.ListenerTls.plain()),
                TestConfigs.listener("tls", TestConfigs.tls(fx.proxyServer)),
                TestConfigs.listener(
                        "mtls", TestConfigs.mtls(fx.proxyServer, fx.clientCa.certFile(), ClientAuth.REQUIRED, true)));
        List<RouteConfig> routes = new ArrayList<>();
        for (ListenerConfig l : listeners) {
            routes.add(TestConfigs.route(l.name() + "-plain", l.name())
                    .prefix("/plain")
                    .endpoint(fx.plainOrigin.port())
                    .build());
            routes.add(TestConfigs.route(l.name() + "-tls", l.name())
                    .prefix("/tls")
                    .endpoint(fx.tlsOrigin.port())
                    .tls(fx.originCa.certFile())
                    .serverName("localhost")
                    .build());
            routes.add(TestConfigs.route(l.name() + "-mtls", l.name())
                    .prefix("/mtls")
                    .endpoint(fx.mtlsOrigin.port())
                    .mtls(fx.originCa.certFile(), fx.proxyId)
                    .serverName("localhost")
                    .build());
        }
        proxy = fx.start(listeners, routes);
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource({
        "plain,plain",
        "plain,tls",
        "plain,mtls",
        "tls,plain",
        "tls,tls",
        "tls,mtls",
        "mtls,plain",
        "mtls,tls",
        "mtls,mtls"
    })
    void answersFromTheRightOrigin(String inbound, String outbound) throws Exception {
        try (RawHttpClient c = fx.connect(proxy, inbound, inbound.equals("mtls") ? fx.client : null)) {
            RawHttpClient.Response r = c.get("localhost", "/" + outbound + "/hello?x=1");
            assertEquals(200, r.status(), r::text);
            Echo echo = Echo.parse(r.text());
            assertEquals(outbound + "-origin", echo.origin());
            assertEquals("/" + outbound + "/hello?x=1", echo.uri());
            assertEquals("localhost", echo.header("Host"));
            assertEquals(inbound.equals("plain") ? "http" : "https", echo.header("X-Forwarded-Proto"));
            assertEquals("127.0.0.1", echo.header("X-Forwarded-For"));
            if (outbound.equals("mtls")) {
                assertTrue(echo.peer().contains("CN=proxy-to-origin"), echo.peer());
            } else {
                assertEquals("-", echo.peer());
            }
            String xfcc = echo.header("X-Forwarded-Client-Cert");
            if (inbound.equals("mtls")) {
                String hash = HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256")
                                .digest(fx.client.issued().certificate().getEncoded()));
                assertEquals(
                        "Hash=" + hash + ";Subject=\"CN=client-a\";URI=spiffe://example.org/ns/prod/sa/checkout", xfcc);
            } else {
                assertNull(xfcc, "no client certificate, no XFCC");
            }
        }
    }
}
