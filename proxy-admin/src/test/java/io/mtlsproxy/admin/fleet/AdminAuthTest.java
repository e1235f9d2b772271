package io.mtlsproxy.admin.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.mtlsproxy.admin.app.ProxyApp;
import io.mtlsproxy.admin.testing.AdminClient;
import io.mtlsproxy.core.testing.TestOrigin;
import io.mtlsproxy.core.testing.TestPki;
import io.mtlsproxy.core.testing.TestTls;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The admin plane of a replica others can reach: /healthz and /readyz on their own port; every other path behind
 * a bearer token from a file or mTLS with an allow-list; 401 without or with bad credentials, 403 for an identity
 * the allow-list does not admit, each refusal logged. Without an auth block the admin endpoint stays open.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminAuthTest {
    @TempDir
    Path dir;

    private TestOrigin origin;
    private ProxyApp app;
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger adminLog = (Logger) LoggerFactory.getLogger("io.mtlsproxy.admin.server.AdminHandler");

    @BeforeEach
    void setUp() {
        origin = TestOrigin.plain("origin");
        logged.start();
        adminLog.addAppender(logged);
    }

    @AfterEach
    void tearDown() {
        adminLog.detachAppender(logged);
        if (app != null) {
            app.close();
        }
        origin.close();
    }

    private ProxyApp start(String admin) throws Exception {
        Path conf = dir.resolve("proxy.conf");
        Files.writeString(conf, """
                admin { bind = "127.0.0.1", port = 0
                  %s
                }
                reload { watch = false }
                access-log = "off"
                listeners = [{ name = edge, bind = "127.0.0.1", port = 0 }]
                routes = [{ name = main, listener = edge, upstream.endpoints = ["127.0.0.1:%d"] }]
                """.formatted(admin, origin.port()));
        app = ProxyApp.start(conf);
        return app;
    }

    private List<String> refusals() {
        return logged.list.stream()
                .map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("refused"))
                .toList();
    }

    @Test
    void aBearerTokenGuardsEveryPathButHealthAndRotatesByReload() throws Exception {
        Path token = dir.resolve("admin.token");
        Files.writeString(token, "s3cret-one\n");
        start("""
                health { bind = "127.0.0.1", port = 0 }
                auth { token-file = "admin.token" }
                """);
        AdminClient anonymous = new AdminClient(app.adminPort());
        assertEquals(200, anonymous.get("/healthz").statusCode(), "health needs no credentials");
        assertEquals(200, anonymous.get("/readyz").statusCode());
        var none = anonymous.get("/metrics");
        assertEquals(401, none.statusCode());
        assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
        assertEquals(401, anonymous.post("/reload").statusCode(), "no reload for whoever reaches the port");
        assertEquals(401, anonymous.bearer("s3cret-two").get("/certs").statusCode());
        assertEquals(200, anonymous.bearer("s3cret-one").get("/metrics").statusCode());
        assertEquals(2 + 1, refusals().size(), "each refusal is logged: " + refusals());
        assertTrue(
                refusals().get(0).contains("GET /metrics") && refusals().get(0).contains("401"),
                refusals().get(0));

        AdminClient health = new AdminClient(app.admin().healthPort().orElseThrow());
        assertEquals(200, health.get("/readyz").statusCode());
        assertEquals(200, health.get("/healthz").statusCode());
        assertEquals(404, health.get("/metrics").statusCode(), "the health port serves health only");
        assertEquals(404, health.post("/reload").statusCode());

        Files.writeString(token, "s3cret-two\n"); // a Secret update; the file watch would reload too
        assertEquals(200, anonymous.bearer("s3cret-one").post("/reload").statusCode());
        assertEquals(401, anonymous.bearer("s3cret-one").get("/metrics").statusCode(), "the old token is gone");
        assertEquals(200, anonymous.bearer("s3cret-two").get("/metrics").statusCode());
    }

    @Test
    void mutualTlsWithAnAllowList() throws Exception {
        TestPki pki = new TestPki(dir);
        TestPki.Ca serverCa = pki.ca("admin-servers");
        TestPki.Ca operators = pki.ca("operators");
        TestPki.Ca strangers = pki.ca("strangers");
        TestPki.Leaf server = serverCa.server("admin");
        start("""
                auth {
                  tls { cert = "%s", key = "%s", client-ca = "%s" }
                  allow { subjects = ["CN=oncall"] }
                }
                """.formatted(server.certFile(), server.keyFile(), operators.certFile()));
        int port = app.adminPort();
        AdminClient oncall = AdminClient.https(port, TestTls.client(serverCa.certFile(), operators.client("oncall")));
        assertEquals(200, oncall.get("/metrics").statusCode());
        assertEquals(200, oncall.post("/reload").statusCode());

        AdminClient intern = AdminClient.https(port, TestTls.client(serverCa.certFile(), operators.client("intern")));
        var forbidden = intern.get("/certs");
        assertEquals(403, forbidden.statusCode(), "verified, but not on the allow-list");
        assertTrue(forbidden.body().contains("CN=intern"), forbidden.body());

        AdminClient noCert = AdminClient.https(port, TestTls.client(serverCa.certFile(), null));
        assertEquals(401, noCert.get("/metrics").statusCode());
        assertEquals(200, noCert.get("/healthz").statusCode(), "health stays open on the admin port too");

        AdminClient stranger =
                AdminClient.https(port, TestTls.client(serverCa.certFile(), strangers.client("oncall"), true));
        assertEquals(401, stranger.get("/metrics").statusCode(), "a certificate of another CA, same name");

        assertThrows(
                UncheckedIOException.class,
                () -> new AdminClient(port).get("/metrics"),
                "plain HTTP is not spoken on an mTLS admin port");
        assertEquals(3, refusals().size(), refusals().toString());
    }

    @Test
    void withoutAnAuthBlockTheAdminEndpointStaysOpen() throws Exception {
        start("");
        AdminClient anonymous = new AdminClient(app.adminPort());
        assertEquals(200, anonymous.get("/metrics").statusCode());
        assertEquals(200, anonymous.post("/reload").statusCode());
        assertTrue(app.admin().healthPort().isEmpty());
    }
}
