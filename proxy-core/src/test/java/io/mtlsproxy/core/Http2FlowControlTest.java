package io.mtlsproxy.core;

import static io.mtlsproxy.core.H2Frames.DATA;
import static io.mtlsproxy.core.H2Frames.GOAWAY;
import static io.mtlsproxy.core.H2Frames.RST_STREAM;
import static io.mtlsproxy.core.H2Frames.WINDOW_UPDATE;
import static io.mtlsproxy.core.H2Frames.block;
import static io.mtlsproxy.core.H2Frames.frame;
import static io.mtlsproxy.core.H2Frames.headers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.Limits;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.testing.FaultyOrigin;
import io.mtlsproxy.core.testing.LeakGuard;
import io.mtlsproxy.core.testing.TestConfigs;
import io.mtlsproxy.core.testing.TestPki;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 request bodies against an origin that never reads (its socket buffers fill, then the proxy's writes stall):
 * the proxy gives the client's stream window back only as fast as the origin takes the body, so the client stops
 * and the proxy's buffers stay small; and an answer the proxy gives before the body is in (413) is followed by
 * RST_STREAM NO_ERROR, so the client stops sending (RFC 9113 §8.1). Streams of one connection each get their
 * response-timeout, in turn and together, from the timers the connection's earlier streams left. Real TLS (mTLS) and a client that writes frames
 * byte by byte and honours the windows it is given.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class Http2FlowControlTest {
    private static final long MAX_BODY = 1L << 30;
    /** What the client would send, were its windows given back regardless of the origin. */
    private static final long CAP = 64L * 1024 * 1024;

    private static final int FRAME = 16 * 1024;

    @TempDir
    static Path dir;

    static FaultyOrigin origin;
    static FaultyOrigin silent;
    static ProxyServer proxy;
    static SslContext h2;
    static PooledByteBufAllocator allocator;

    @BeforeAll
    static void start() throws Exception {
        LeakGuard.install();
        TestPki pki = new TestPki(dir);
        TestPki.Ca ca = pki.ca("h2-flow");
        origin = FaultyOrigin.start(FaultyOrigin.Fault.NEVER_READS);
        silent = FaultyOrigin.start(FaultyOrigin.Fault.SILENT);
        allocator = new PooledByteBufAllocator(true);
        Limits limits =
                new Limits(1000, 8192, MAX_BODY, Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(30));
        proxy = ProxyServer.builder()
                .metrics(ProxyMetrics.inMemory())
                .allocator(allocator)
                .workerThreads(1)
                .build();
        proxy.start(TestConfigs.config(
                dir.resolve("proxy.conf"),
                List.of(TestConfigs.listener(
                        "mtls",
                        TestConfigs.mtls(ca.server("proxy", "a.test"), ca.certFile(), ClientAuth.REQUIRED, true),
                        limits)),
                List.of(
                        TestConfigs.route("silent", "mtls")
                                .prefix("/silent")
                                .endpoint(silent.port())
                                .responseTimeout(Duration.ofMillis(300))
                                .build(),
                        TestConfigs.route("all", "mtls").endpoint(origin.port()).build())));
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
        if (silent != null) {
            silent.close();
        }
        LeakGuard.assertNoLeaks();
    }

    private static H2FrameClient open() throws Exception {
        return H2FrameClient.open(proxy.port("mtls"), h2, "localhost");
    }

    private static byte[] post(int stream, String... extra) {
        String[] head = {":method", "POST", ":scheme", "https", ":authority", "localhost", ":path", "/upload"};
        String[] all = new String[head.length + extra.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(extra, 0, all, head.length, extra.length);
        return headers(stream, false, true, block(all));
    }

    @Test
    void anOriginThatDoesNotReadHoldsBackTheClientsWindowNotTheProxysMemory() throws Exception {
        byte[] data = frame(DATA, 0, 1, new byte[FRAME]);
        long sent = 0;
        try (H2FrameClient c = open()) {
            c.send(post(1));
            long streamWindow = 65_535;
            long connectionWindow = 65_535;
            int seen = 0;
            long stalledSince = System.nanoTime();
            while (sent < CAP) {
                List<H2FrameClient.Frame> frames = c.frames();
                for (; seen < frames.size(); seen++) {
                    H2FrameClient.Frame f = frames.get(seen);
                    assertTrue(f.type() != RST_STREAM && f.type() != GOAWAY, "the upload goes on: " + c.summary());
                    if (f.type() == WINDOW_UPDATE) {
                        if (f.stream() == 0) {
                            connectionWindow += f.code();
                        } else if (f.stream() == 1) {
                            streamWindow += f.code();
                        }
                    }
                }
                if (Math.min(streamWindow, connectionWindow) >= FRAME) {
                    c.send(data);
                    sent += FRAME;
                    streamWindow -= FRAME;
                    connectionWindow -= FRAME;
                    stalledSince = System.nanoTime();
                } else if (System.nanoTime() - stalledSince > TimeUnit.MILLISECONDS.toNanos(1500)) {
                    break; // no window given back for 1.5 s: the client is held back
                } else {
                    Thread.sleep(5);
                }
            }
            long held =
                    allocator.metric().usedDirectMemory() + allocator.metric().usedHeapMemory();
            assertTrue(sent < CAP, "the client was held back before " + CAP + " bytes");
            // what the client sent sits in the kernel's socket buffers (both ends of the origin connection); the
            // proxy holds at most a write buffer's worth and one stream window (its pool chunks count whole)
            assertTrue(held < 16L * 1024 * 1024, "proxy buffer memory " + held + " after " + sent + " bytes sent");
            assertTrue(c.isOpen(), c.summary());
        }
    }

    @Test
    void everyStreamOfAConnectionHasItsResponseTimeoutOneAfterTheOtherAndTogether() throws Exception {
        // the streams of a connection hand their response-timeout (and its pending timer) on to the next ones
        try (H2FrameClient c = open()) {
            long start = System.nanoTime();
            assertEquals(504, c.get(1, "/silent/a").awaitResponse(1).status(), c.summary());
            assertEquals(504, c.get(3, "/silent/b").awaitResponse(3).status(), c.summary());
            c.get(5, "/silent/c").get(7, "/silent/d").get(9, "/silent/e");
            for (int stream = 5; stream <= 9; stream += 2) {
                assertEquals(504, c.awaitResponse(stream).status(), c.summary());
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(millis >= 3 * 300, "each round waited its response-timeout: " + millis + " ms");
            assertTrue(c.isOpen(), c.summary());
        }
    }

    @Test
    void anAnswerBeforeTheBodyIsInIsFollowedByResetNoError() throws Exception {
        try (H2FrameClient c = open()) {
            c.send(post(1, "content-length", String.valueOf(2 * MAX_BODY)));
            H2FrameClient.Response r = c.awaitResponse(1);
            assertEquals(413, r.status(), c.summary());
            assertEquals(Http2Error.NO_ERROR.code(), c.awaitReset(1).code(), c.summary());
            assertTrue(c.isOpen(), "the connection stays up: " + c.summary());
        }
    }
}
