package io.mtlsproxy.core.renew.acme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.AcmeChallenge;
import io.mtlsproxy.config.AcmeIssuerConfig;
import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.core.testing.LeakGuard;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestConfigs;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * http-01 on plain listeners without an ACME server: tokens pinned on the board by hand. The listener an http-01
 * issuer names answers {@code /.well-known/acme-challenge/TOKEN} itself; everything else, and every other
 * listener, reaches the routes as before.
 */
class Http01ChallengeListenerTest {
    private static final String PATH = "/.well-known/acme-challenge/";

    @TempDir
    static Path dir;

    private static ChallengeProxy fx;

    @BeforeAll
    static void start() throws Exception {
        LeakGuard.install();
        AcmeIssuerConfig issuer = new AcmeIssuerConfig(
                "acme",
                URI.create("https://acme.invalid/dir"),
                Optional.empty(),
                dir.resolve("acme.key"),
                List.of(),
                AcmeChallenge.HTTP_01,
                "web",
                TestConfigs.SOURCE);
        fx = new ChallengeProxy(
                dir,
                List.of(
                        TestConfigs.listener("web", ListenerTls.plain()),
                        TestConfigs.listener("other", ListenerTls.plain())),
                List.of(issuer));
    }

    @AfterAll
    static void stop() {
        if (fx != null) {
            fx.close();
        }
        LeakGuard.assertNoLeaks();
    }

    @Test
    void aPendingTokenIsAnsweredAndTheConnectionServesOn() throws Exception {
        int before = fx.origin.requests();
        try (AcmeChallenges.Publication p = fx.board().publishHttp01("tok-1", "tok-1.thumbprint");
                RawHttpClient c = RawHttpClient.connect(fx.port("web"))) {
            RawHttpClient.Response r = c.get("www.example.test", PATH + "tok-1");
            assertEquals(200, r.status());
            assertEquals("text/plain", r.header("content-type"));
            assertEquals("tok-1.thumbprint", r.text(), "exactly the key authorization");
            assertEquals(404, c.get("www.example.test", PATH + "tok-2").status(), "an unknown token");
            // a body sent with a challenge GET is dropped, and the next request on the connection goes on
            c.send("GET " + PATH + "tok-1 HTTP/1.1\r\nHost: www.example.test\r\nContent-Length: 5\r\n\r\nhello");
            assertEquals("tok-1.thumbprint", c.read().text());
            assertEquals(200, c.get("www.example.test", "/app").status(), "the rest is proxied");
        }
        assertEquals(before + 1, fx.origin.requests(), "only /app reached the origin");
    }

    @Test
    void otherMethodsAndOtherListenersAreNotTouched() throws Exception {
        try (AcmeChallenges.Publication p = fx.board().publishHttp01("tok-3", "tok-3.thumbprint")) {
            int before = fx.origin.requests();
            try (RawHttpClient c = RawHttpClient.connect(fx.port("web"))) {
                c.send("POST " + PATH + "tok-3 HTTP/1.1\r\nHost: www.example.test\r\nContent-Length: 2\r\n\r\nhi");
                RawHttpClient.Response r = c.read();
                assertTrue(!r.text().equals("tok-3.thumbprint"), "a POST is the routes' business: " + r.text());
            }
            try (RawHttpClient c = RawHttpClient.connect(fx.port("other"))) {
                RawHttpClient.Response r = c.get("www.example.test", PATH + "tok-3");
                assertTrue(!r.text().equals("tok-3.thumbprint"), "a listener no issuer names: " + r.text());
            }
            assertEquals(before + 2, fx.origin.requests());
        }
    }

    @Test
    void aChallengePipelinedBehindAProxiedRequestKeepsTheOrder() throws Exception {
        try (AcmeChallenges.Publication p = fx.board().publishHttp01("tok-4", "tok-4.thumbprint");
                RawHttpClient c = RawHttpClient.connect(fx.port("web"))) {
            c.send("GET /slow?ms=200 HTTP/1.1\r\nHost: www.example.test\r\n\r\n"
                    + "GET " + PATH + "tok-4 HTTP/1.1\r\nHost: www.example.test\r\n\r\n"
                    + "GET " + PATH + "tok-4 HTTP/1.1\r\nHost: www.example.test\r\n\r\n");
            RawHttpClient.Response first = c.read();
            assertEquals(200, first.status());
            assertTrue(!first.text().equals("tok-4.thumbprint"), "the slow answer comes first");
            c.read(); // the second went to the routes (the proxy was busy): its answer, in order
            RawHttpClient.Response third = c.read();
            assertEquals(200, third.status());
        }
    }
}
