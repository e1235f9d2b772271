package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.Limits;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.LeakGuard;
import io.mtlsproxy.core.testing.RecordingOrigin;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestPki;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the hostile HTTP/2 tests share: an mTLS listener (sni-host-check on, max-header-size 8 KiB, max-body-size
 * 64 KiB) whose one route leads to a {@link RecordingOrigin}, a client context offering only h2, and the checks
 * every case ends with: what the origin saw, and that the proxy still serves.
 */
abstract class H2HostileProxy {
    static final int MAX_HEADER_SIZE = 8 * 1024;
    /** How long a request that should never come is waited for (a forwarded one is written at once). */
    private static final long QUIET_MILLIS = 60;

    @TempDir
    static Path dir;

    static RecordingOrigin origin;
    static ProxyServer proxy;
    static SslContext h2;
    static TestPki.Ca ca;
    static PooledByteBufAllocator allocator;

    @BeforeAll
    static void start() throws Exception {
        LeakGuard.install();
        TestPki pki = new TestPki(dir);
        ca = pki.ca("h2-hostile");
        origin = RecordingOrigin.start();
        allocator = new PooledByteBufAllocator(true);
        Limits limits = new Limits(
                1000, MAX_HEADER_SIZE, 64 * 1024, Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(30));
        proxy = ProxyServer.builder()
                .metrics(ProxyMetrics.inMemory())
                .allocator(allocator)
                .build();
        proxy.start(TestConfigs.config(
                dir.resolve("proxy.conf"),
                List.of(TestConfigs.listener(
                        "mtls",
                        TestConfigs.mtls(
                                ca.server("proxy", "a.test", "b.test"), ca.certFile(), ClientAuth.REQUIRED, true),
                        limits)),
                List.of(TestConfigs.route("all", "mtls").endpoint(origin.port()).build())));
        h2 = H2FrameClient.context(ca.certFile(), ca.client("client-a"));
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (origin != null) {
            origin.close();
        }
        LeakGuard.assertNoLeaks();
    }

    @BeforeEach
    void clearOrigin() {
        origin.clear();
    }

    /**
     * A connection to localhost (a name without a dot, which TLS clients do not send as SNI, so no Host check) that
     * has sent its preface and acked the proxy's SETTINGS, so that the ack cannot fall into the middle of a header
     * block the test sends.
     */
    static H2FrameClient open() throws Exception {
        return open("localhost");
    }

    static H2FrameClient open(String sni) throws Exception {
        return H2FrameClient.open(proxy.port("mtls"), h2, sni);
    }

    /**
     * GOAWAY with {@code error}, then the connection closes at once. The last-stream-id is 2^31-1: Netty's codec
     * closes hard on a connection error, without telling which streams it processed; none is served after it.
     */
    static void assertConnectionError(H2FrameClient c, Http2Error error) throws Exception {
        H2FrameClient.Frame goAway = c.awaitGoAway();
        assertEquals(error.code(), goAway.code(), "GOAWAY code: " + c.summary());
        assertEquals(Integer.MAX_VALUE, goAway.lastStreamId(), "GOAWAY last-stream-id: " + c.summary());
        c.shutdownOutput(); // the client has its answer and is done, as a real one would be
        assertTrue(c.awaitClosed(10), "the proxy closes the connection: " + c.summary());
    }

    /** RST_STREAM with {@code error} on {@code stream}, and the connection stays up. */
    static void assertStreamError(H2FrameClient c, int stream, Http2Error error) throws Exception {
        H2FrameClient.Frame rst = c.awaitReset(stream);
        assertEquals(error.code(), rst.code(), "RST_STREAM code: " + c.summary());
        assertTrue(c.isOpen(), "a stream error leaves the connection up: " + c.summary());
    }

    /** Nothing reached the origin (given the time a forwarded request would need). */
    static void assertOriginSawNothing(String what) throws InterruptedException {
        Thread.sleep(QUIET_MILLIS);
        assertEquals(List.of(), origin.requests(), what + ": the origin must see nothing");
    }

    /** At most a head reached the origin, never a complete request (a body refused while it streamed). */
    static void assertOriginSawNoCompleteRequest(String what) throws InterruptedException {
        Thread.sleep(QUIET_MILLIS);
        List<RecordingOrigin.Recorded> seen = origin.requests();
        assertTrue(
                seen.size() <= 1 && seen.stream().noneMatch(RecordingOrigin.Recorded::complete),
                what + ": the origin saw " + seen);
    }

    /** A well-behaved GET on {@code stream} of this connection gets the origin's 200. */
    static void assertStillServes(H2FrameClient c, int stream) throws Exception {
        H2FrameClient.Response r = c.get(stream, "/after").awaitResponse(stream);
        assertEquals(200, r.status(), "a later stream is served: " + c.summary());
        assertEquals("ok\n", r.body());
    }

    /** A new connection's well-behaved GET gets the origin's 200: the proxy and its event loop are fine. */
    static void assertNewConnectionServes() throws Exception {
        try (H2FrameClient c = open()) {
            assertStillServes(c, 1);
        }
    }

    /** The proxy's buffer memory stays small: what a hostile client sent was not held. */
    static void assertBufferMemoryBounded(String what) {
        long used = allocator.metric().usedDirectMemory() + allocator.metric().usedHeapMemory();
        assertTrue(used < 32L * 1024 * 1024, what + ": proxy buffer memory " + used);
    }
}
