package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.core.metrics.AccessLogEntry;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.CapturingAccessLog;
import io.mtlsproxy.core.testing.ExternalProcess;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestOrigin;
import io.mtlsproxy.core.testing.WebSocketEchoOrigin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A WebSocket through an mTLS listener to a WebSocket origin over each outbound mode (JDK client, Netty origin). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketTest {
    @TempDir
    static Path dir;

    static ProxyFixture fx;
    static ProxyServer proxy;
    static CapturingAccessLog log = new CapturingAccessLog();

    @BeforeAll
    static void start() throws Exception {
        fx = new ProxyFixture(dir);
        var plain = fx.closeLater(new WebSocketEchoOrigin(TestOrigin.Mode.PLAIN, null, null));
        var tls = fx.closeLater(new WebSocketEchoOrigin(TestOrigin.Mode.TLS, fx.originCert, null));
        var mtls = fx.closeLater(new WebSocketEchoOrigin(TestOrigin.Mode.MTLS, fx.originCert, fx.proxyIdCa.certFile()));
        proxy = fx.start(
                ProxyServer.builder().metrics(ProxyMetrics.inMemory()).accessLog(log),
                List.of(TestConfigs.listener(
                        "mtls", TestConfigs.mtls(fx.proxyServer, fx.clientCa.certFile(), ClientAuth.REQUIRED, false))),
                List.of(
                        TestConfigs.route("ws-plain", "mtls")
                                .prefix("/plain")
                                .endpoint(plain.port())
                                .build(),
                        TestConfigs.route("ws-tls", "mtls")
                                .prefix("/tls")
                                .endpoint(tls.port())
                                .tls(fx.originCa.certFile())
                                .serverName("localhost")
                                .build(),
                        TestConfigs.route("ws-mtls", "mtls")
                                .prefix("/mtls")
                                .endpoint(mtls.port())
                                .mtls(fx.originCa.certFile(), fx.proxyId)
                                .serverName("localhost")
                                .build()));
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @ParameterizedTest(name = "WebSocket to a {0} origin")
    @ValueSource(strings = {"plain", "tls", "mtls"})
    void echoesThroughEachOutboundMode(String mode) throws Exception {
        HttpClient http =
                HttpClient.newBuilder().sslContext(fx.clientContext(fx.client)).build();
        CompletableFuture<String> reply = new CompletableFuture<>();

        // the path is /ws — hence one origin path per route: /<mode> routes, /<mode>/../ws is not used
        WebSocket ws = http.newWebSocketBuilder()
                .buildAsync(
                        URI.create("wss://127.0.0.1:" + proxy.port("mtls") + "/" + mode + "/ws"),
                        new WebSocket.Listener() {
                            @Override
                            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                                reply.complete(data.toString());
                                return null;
                            }
                        })
                .get(10, TimeUnit.SECONDS);
        ws.sendText("hi " + mode, true).get(10, TimeUnit.SECONDS);
        assertEquals("echo:hi " + mode, reply.get(10, TimeUnit.SECONDS));
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        ws.abort(); // the socket closes: the relay ends and writes its access log entry
        AccessLogEntry e = log.await(x -> x.route().equals("ws-" + mode));
        assertEquals(101, e.status());
        assertTrue(e.bytesIn() > 0 && e.bytesOut() > 0, e.toString());
    }

    /** The curl command docs/protocols.md gives for trying a WebSocket route: it gets the origin's 101. */
    @Test
    void theDocumentedCurlCommandGetsThe101() throws Exception {
        ExternalProcess.Result r = ExternalProcess.run(
                List.of(
                        ExternalProcess.binary("curl"),
                        "-sS",
                        "-i",
                        "-N",
                        "--http1.1",
                        "-m",
                        "3",
                        "--cacert",
                        fx.serverCa.certFile().toString(),
                        "--cert",
                        fx.client.certFile().toString(),
                        "--key",
                        fx.client.keyFile().toString(),
                        "-H",
                        "Connection: Upgrade",
                        "-H",
                        "Upgrade: websocket",
                        "-H",
                        "Sec-WebSocket-Version: 13",
                        "-H",
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                        "--resolve",
                        "api.example.com:" + proxy.port("mtls") + ":127.0.0.1",
                        "https://api.example.com:" + proxy.port("mtls") + "/plain/ws"),
                null,
                20);
        // curl waits for frames it cannot read until -m ends it: the head is what the page shows
        assertTrue(r.stdout().startsWith("HTTP/1.1 101 Switching Protocols\r\n"), r.stdout() + r.stderr());
        assertTrue(
                r.stdout()
                        .toLowerCase(java.util.Locale.ROOT)
                        .contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="),
                r.stdout());
    }
}
