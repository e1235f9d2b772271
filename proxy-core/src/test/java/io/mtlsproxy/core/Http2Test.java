package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.core.h2.H2Codecs;
import io.mtlsproxy.core.metrics.AccessLogEntry;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.CapturingAccessLog;
import io.mtlsproxy.core.testing.Echo;
import io.mtlsproxy.core.testing.GrpcEchoOrigin;
import io.mtlsproxy.core.testing.H2EchoOrigin;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestOrigin;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.http2.Http2Error;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTP/2 by ALPN on an mTLS listener: curl --http2 to an HTTP/1.1 and to an HTTP/2 origin (both mTLS), many
 * concurrent streams on one connection and bodies past the flow-control windows both ways, a real gRPC client
 * (unary, an error status, trailers, bidirectional streaming) to a gRPC origin over mTLS, and a rapid reset burst
 * that gets GOAWAY while another connection keeps working.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Http2Test {
    /** The access log's status of a request whose client went away (here: reset its stream) before the answer. */
    static final int CLIENT_CLOSED = 499;

    @TempDir
    static Path dir;

    static ProxyFixture fx;
    static ProxyServer proxy;
    static H2EchoOrigin h2Origin;
    static GrpcEchoOrigin grpcOrigin;
    static ManagedChannel grpc;
    static CapturingAccessLog log = new CapturingAccessLog();
    static PooledByteBufAllocator allocator = new PooledByteBufAllocator(true);

    @BeforeAll
    static void start() throws Exception {
        fx = new ProxyFixture(dir);
        h2Origin = fx.closeLater(new H2EchoOrigin("h2-origin", fx.originCert, fx.proxyIdCa.certFile()));
        grpcOrigin = fx.closeLater(new GrpcEchoOrigin(fx.originCert, fx.proxyIdCa.certFile()));
        proxy = fx.start(
                ProxyServer.builder()
                        .metrics(ProxyMetrics.inMemory())
                        .accessLog(log)
                        .allocator(allocator),
                List.of(TestConfigs.listener(
                        "mtls", TestConfigs.mtls(fx.proxyServer, fx.clientCa.certFile(), ClientAuth.REQUIRED, true))),
                List.of(
                        fx.mtlsRoute("to-h1", "mtls", "/h1", fx.mtlsOrigin.port())
                                .build(),
                        ProtoConfigs.h2(fx.mtlsRoute("to-h2", "mtls", "/h2", h2Origin.port())
                                .build()),
                        ProtoConfigs.h2(fx.mtlsRoute("grpc", "mtls", "/test.Echo/", grpcOrigin.port())
                                .build())));
        grpc = Grpc.newChannelBuilderForAddress(
                        "127.0.0.1",
                        proxy.port("mtls"),
                        TlsChannelCredentials.newBuilder()
                                .keyManager(
                                        fx.client.certFile().toFile(),
                                        fx.client.keyFile().toFile())
                                .trustManager(fx.serverCa.certFile().toFile())
                                .build())
                .overrideAuthority("localhost")
                .build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (grpc != null) {
            grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        fx.close();
    }

    @ParameterizedTest(name = "curl --http2 → {0} origin")
    @CsvSource({"h1,mtls-origin,HTTP/1.1", "h2,h2-origin,h2"})
    void curlHttp2ThroughMutualTls(String path, String origin, String originVersion) throws Exception {
        int port = proxy.port("mtls");
        Process p = new ProcessBuilder(
                        "curl",
                        "--http2",
                        "-sS",
                        "--max-time",
                        "10",
                        "--cacert",
                        fx.serverCa.certFile().toString(),
                        "--cert",
                        fx.client.certFile().toString(),
                        "--key",
                        fx.client.keyFile().toString(),
                        "--resolve",
                        "localhost:" + port + ":127.0.0.1",
                        "-w",
                        "\nhttp_version=%{http_version}\n",
                        "https://localhost:" + port + "/" + path + "/hello?q=1")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("http_version=2"), "the client spoke HTTP/2: " + out);
        Echo echo = Echo.parse(out.substring(0, out.lastIndexOf("http_version=")));
        assertEquals(origin, echo.origin());
        assertEquals("/" + path + "/hello?q=1", echo.uri());
        assertEquals("127.0.0.1", echo.header("X-Forwarded-For"));
        assertEquals("https", echo.header("X-Forwarded-Proto"));
        assertTrue(echo.header("X-Forwarded-Client-Cert").contains("Subject=\"CN=client-a"), out);
        assertTrue(out.contains("version=" + originVersion), out);
        if (path.equals("h1")) { // (an h2 origin's own codec adds x-http2-* for itself)
            assertTrue(
                    echo.headerNames().stream().noneMatch(n -> n.toLowerCase().startsWith("x-http2-")), out);
        }
        AccessLogEntry e = log.await(x -> x.path().equals("/" + path + "/hello"));
        assertEquals(200, e.status());
        assertTrue(e.clientSubject().contains("CN=client-a"));
    }

    @ParameterizedTest(name = "100 streams at once → {0} origin")
    @ValueSource(strings = {"h1", "h2"})
    void concurrentStreamsOnOneConnectionEachGetTheirOwnAnswer(String path) throws Exception {
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .sslContext(fx.clientContext(fx.client))
                .build();
        String base = "https://127.0.0.1:" + proxy.port("mtls") + "/" + path + "/";
        // one request first, so that the burst below shares its connection (streams answered in one batch)
        assertEquals(HttpClient.Version.HTTP_2, get(http, base + "echo?first").version());
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            answers.add(http.sendAsync(
                    HttpRequest.newBuilder(URI.create(base + "echo?i=" + i)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < answers.size(); i++) {
            HttpResponse<String> r = answers.get(i).get(20, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r::body);
            assertEquals(HttpClient.Version.HTTP_2, r.version());
            assertEquals("/" + path + "/echo?i=" + i, Echo.parse(r.body()).uri());
        }
    }

    @Test
    void bodiesPastTheFlowControlWindowsBothWays() throws Exception {
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .sslContext(fx.clientContext(fx.client))
                .build();
        String base = "https://127.0.0.1:" + proxy.port("mtls") + "/h1/";
        long size = 6L * 1024 * 1024; // far past the 64 KiB stream and connection windows
        HttpResponse<InputStream> down = http.send(
                HttpRequest.newBuilder(URI.create(base + "download?bytes=" + size))
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, down.statusCode());
        assertEquals(HttpClient.Version.HTTP_2, down.version());
        long offset = 0;
        try (InputStream in = down.body()) {
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) > 0; offset += n) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] != TestOrigin.pattern(offset + i)) {
                        throw new AssertionError("download differs at byte " + (offset + i));
                    }
                }
            }
        }
        assertEquals(size, offset);

        byte[] body = new byte[(int) size];
        new Random(7).nextBytes(body);
        HttpResponse<String> up = http.send(
                HttpRequest.newBuilder(URI.create(base + "upload"))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, up.statusCode(), up::body);
        String sha =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        assertTrue(up.body().contains("sha256=" + sha) && up.body().contains("bytes=" + size), up.body());
    }

    private static HttpResponse<String> get(HttpClient http, String uri) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(uri)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void grpcUnaryKeepsTrailersAndStatus() {
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        var channel =
                ClientInterceptors.intercept(grpc, MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
        byte[] answer = ClientCalls.blockingUnaryCall(
                channel,
                GrpcEchoOrigin.UNARY,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                "ping".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals("echo:ping".getBytes(StandardCharsets.UTF_8), answer);
        String trailer = trailers.get().get(GrpcEchoOrigin.TRAILER);
        assertTrue(trailer.startsWith("xfcc=Hash="), "the origin's trailer, with the proxy's XFCC: " + trailer);

        StatusRuntimeException denied = assertThrows(
                StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(
                        grpc,
                        GrpcEchoOrigin.DENY,
                        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                        new byte[0]));
        assertEquals(Status.Code.PERMISSION_DENIED, denied.getStatus().getCode(), denied::toString);
        assertEquals("not you", denied.getStatus().getDescription());
    }

    @Test
    void grpcBidirectionalStreaming() throws Exception {
        List<String> got = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        StreamObserver<byte[]> requests = ClientCalls.asyncBidiStreamingCall(
                grpc.newCall(GrpcEchoOrigin.CHAT, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)),
                new StreamObserver<byte[]>() {
                    @Override
                    public void onNext(byte[] m) {
                        got.add(new String(m, StandardCharsets.UTF_8));
                    }

                    @Override
                    public void onError(Throwable t) {
                        failed.set(t);
                        done.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        done.countDown();
                    }
                });
        for (String m : List.of("a", "b", "c")) {
            requests.onNext(m.getBytes(StandardCharsets.UTF_8));
        }
        requests.onCompleted();
        assertTrue(done.await(15, TimeUnit.SECONDS));
        assertEquals(null, failed.get());
        assertEquals(List.of("chat:a", "chat:b", "chat:c"), got);
    }

    @Test
    void rapidResetGetsGoawayAndOthersKeepWorking() throws Exception {
        byte[] ping = "before".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(
                "echo:before".getBytes(StandardCharsets.UTF_8),
                ClientCalls.blockingUnaryCall(
                        grpc, GrpcEchoOrigin.UNARY, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), ping));
        long resetBefore = log.count(e -> e.status() == CLIENT_CLOSED);
        RapidResetClient.Result r = RapidResetClient.burst(proxy.port("mtls"), fx, 2000);
        // the GOAWAY is written before the close, and the close lingers so that no TCP reset destroys it unread
        assertTrue(r.goAway(), "the client read a GOAWAY: " + r);
        assertEquals(Http2Error.ENHANCE_YOUR_CALM.code(), r.errorCode(), "its error code: " + r);
        assertTrue(r.closed(), "the proxy closed the connection: " + r);
        long reset = log.count(e -> e.status() == CLIENT_CLOSED) - resetBefore;
        assertTrue(
                reset <= H2Codecs.MAX_RST_PER_WINDOW + 1,
                "it served no stream past the limit: " + reset + " reset requests, " + r);
        byte[] after = ClientCalls.blockingUnaryCall(
                grpc,
                GrpcEchoOrigin.UNARY,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                "after".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals("echo:after".getBytes(StandardCharsets.UTF_8), after);
        long used = allocator.metric().usedDirectMemory() + allocator.metric().usedHeapMemory();
        assertTrue(used < 64L * 1024 * 1024, "bounded buffer memory after the burst: " + used);
    }
}
