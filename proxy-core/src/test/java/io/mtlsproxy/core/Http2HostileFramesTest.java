package io.mtlsproxy.core;

import static io.mtlsproxy.core.H2Frames.DATA;
import static io.mtlsproxy.core.H2Frames.HEADERS;
import static io.mtlsproxy.core.H2Frames.PING;
import static io.mtlsproxy.core.H2Frames.SETTINGS;
import static io.mtlsproxy.core.H2Frames.block;
import static io.mtlsproxy.core.H2Frames.continuation;
import static io.mtlsproxy.core.H2Frames.data;
import static io.mtlsproxy.core.H2Frames.frame;
import static io.mtlsproxy.core.H2Frames.headers;
import static io.mtlsproxy.core.H2Frames.ping;
import static io.mtlsproxy.core.H2Frames.settings;
import static io.mtlsproxy.core.H2Frames.windowUpdate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.core.h2.H2Codecs;
import io.netty.handler.codec.http2.Http2Error;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile HTTP/2 at the frame level, on an mTLS listener (checklist of RFC 9113 errors and the DoS protections of
 * {@link H2Codecs}): each case asserts the proxy's exact answer (GOAWAY with its code and last-stream-id, or
 * RST_STREAM with its code, or a response), that the origin saw nothing of it, and that the proxy still serves
 * afterwards (on the same connection after a stream error, on a new one after a connection error). Buffers are
 * checked for leaks when the class ends (paranoid leak detection).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class Http2HostileFramesTest extends H2HostileProxy {
    private static final byte[] GET_FLOOD =
            block(":method", "GET", ":scheme", "https", ":authority", "localhost", ":path", "/flood");

    private static byte[] post(int stream, String path) {
        return headers(
                stream,
                false,
                true,
                block(":method", "POST", ":scheme", "https", ":authority", "localhost", ":path", path));
    }

    // ---- CONTINUATION floods (CVE-2024-27316 and kin) ----

    @Test
    void headerBlockPastTheCutOffIsAConnectionErrorBeforeItEnds() throws Exception {
        // past max-header-size × 1.25 (Netty's cut-off) the block is not even read to its end
        byte[] kilobyte = block("x-filler", "f".repeat(1000));
        try (H2FrameClient c = open()) {
            c.send(headers(1, true, false, GET_FLOOD));
            for (int sent = 0; sent * kilobyte.length < MAX_HEADER_SIZE * 3 / 2; sent++) {
                c.send(continuation(1, false, kilobyte)); // then stop, so that the GOAWAY is not lost to a reset
            }
            assertConnectionError(c, Http2Error.PROTOCOL_ERROR);
        }
        assertOriginSawNothing("header block past the cut-off");
        assertNewConnectionServes();
    }

    @Test
    void continuationFloodIsCutOffBeforeMemoryGrows() throws Exception {
        byte[] filler = block("x-filler", "f".repeat(16_000));
        int sent = 0;
        try (H2FrameClient c = open()) {
            c.send(headers(1, true, false, GET_FLOOD));
            while (c.isOpen() && sent < 1000) { // 16 MB, were nothing to stop it
                c.send(continuation(1, false, filler));
                sent++;
            }
            assertTrue(c.awaitClosed(10), "the proxy closed the connection: " + c.summary());
        }
        assertTrue(sent < 1000, "the proxy closed the connection while the flood went on");
        assertOriginSawNothing("CONTINUATION flood");
        assertBufferMemoryBounded("CONTINUATION flood");
        assertNewConnectionServes();
    }

    @Test
    void floodOfTinyContinuationFramesIsCutOff() throws Exception {
        try (H2FrameClient c = open()) {
            c.send(headers(1, true, false, GET_FLOOD));
            byte[][] tiny = new byte[40][];
            for (int i = 0; i < tiny.length; i++) { // empty ones and one-byte ones
                tiny[i] = continuation(1, false, i % 2 == 0 ? new byte[0] : new byte[] {0x00});
            }
            c.send(tiny);
            assertConnectionError(c, Http2Error.ENHANCE_YOUR_CALM);
        }
        assertOriginSawNothing("tiny CONTINUATION flood");
        assertNewConnectionServes();
    }

    @Test
    void headerBlockOverMaxHeaderSizeGets431AndTheConnectionGoesOn() throws Exception {
        try (H2FrameClient c = open()) {
            byte[] big = block(
                    ":method",
                    "GET",
                    ":scheme",
                    "https",
                    ":authority",
                    "localhost",
                    ":path",
                    "/big",
                    "x-big",
                    "b".repeat(MAX_HEADER_SIZE + 500));
            c.send(
                    headers(1, true, false, Arrays.copyOf(big, 5000)),
                    continuation(1, true, Arrays.copyOfRange(big, 5000, big.length)));
            H2FrameClient.Response r = c.awaitResponse(1);
            assertEquals(431, r.status(), c.summary());
            assertOriginSawNothing("header block over max-header-size");
            assertStillServes(c, 3);
        }
    }

    @Test
    void headersInterruptedByAnotherFrameIsAConnectionError() throws Exception {
        try (H2FrameClient c = open()) {
            c.send(headers(1, true, false, GET_FLOOD), ping(1));
            assertConnectionError(c, Http2Error.PROTOCOL_ERROR);
        }
        assertOriginSawNothing("HEADERS then PING");
        assertNewConnectionServes();
    }

    // ---- limits ----

    @Test
    void streamsPastMaxConcurrentStreamsAreRefusedWhileTheFirstOnesComplete() throws Exception {
        int max = H2Codecs.MAX_CONCURRENT_STREAMS;
        try (H2FrameClient c = open()) {
            for (int i = 0; i < max; i++) {
                c.send(post(1 + 2 * i, "/open/" + i)); // bodies still to come: the streams stay open
            }
            for (int i = max; i < max + 3; i++) {
                c.send(headers(
                        1 + 2 * i,
                        true,
                        true,
                        block(
                                ":method",
                                "GET",
                                ":scheme",
                                "https",
                                ":authority",
                                "localhost",
                                ":path",
                                "/extra/" + i)));
                assertStreamError(c, 1 + 2 * i, Http2Error.REFUSED_STREAM);
            }
            for (int i = 0; i < max; i++) {
                c.send(data(1 + 2 * i, true, "body"));
            }
            for (int i = 0; i < max; i++) {
                assertEquals(200, c.awaitResponse(1 + 2 * i).status(), "stream " + (1 + 2 * i));
            }
            Thread.sleep(60);
            assertEquals(max, origin.requests().size());
            assertTrue(
                    origin.requests().stream().allMatch(r -> r.uri().startsWith("/open/") && r.complete()),
                    "no refused stream reached the origin");
            assertStillServes(c, 1 + 2 * (max + 3));
        }
    }

    @Test
    void frameLargerThanMaxFrameSizeIsAConnectionError() throws Exception {
        try (H2FrameClient c = open()) {
            c.send(post(1, "/big-frame"), frame(DATA, 0, 1, new byte[16_385]));
            assertConnectionError(c, Http2Error.FRAME_SIZE_ERROR);
        }
        assertOriginSawNoCompleteRequest("DATA frame of 16385 bytes");
        assertNewConnectionServes();
    }

    @Test
    void emptyDataFloodIsCutOff() throws Exception {
        try (H2FrameClient c = open()) {
            c.send(post(1, "/empty-data"));
            byte[][] empty = new byte[10][];
            Arrays.fill(empty, frame(DATA, 0, 1, new byte[0]));
            c.send(empty); // in one write, then nothing: more would arrive after the close and reset the GOAWAY away
            assertConnectionError(c, Http2Error.ENHANCE_YOUR_CALM);
        }
        assertOriginSawNoCompleteRequest("empty DATA flood");
        assertNewConnectionServes();
    }

    // ---- connection preface and stream identifiers ----

    @Test
    void badConnectionPrefaceIsClosedWithoutAnswer() throws Exception {
        try (H2FrameClient c = H2FrameClient.connect(proxy.port("mtls"), h2, "localhost")) {
            c.send("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertConnectionError(c, Http2Error.PROTOCOL_ERROR);
        }
        try (H2FrameClient c = H2FrameClient.connect(proxy.port("mtls"), h2, "localhost")) {
            c.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertTrue(c.awaitClosed(10), "HTTP/1.1 after ALPN h2 is closed: " + c.summary());
            assertFalse(c.frames().stream().anyMatch(f -> f.type() == HEADERS), c.summary());
        }
        assertOriginSawNothing("bad preface");
        assertNewConnectionServes();
    }

    @Test
    void headersOnStreamZeroIsAConnectionError() throws Exception {
        try (H2FrameClient c = open()) {
            c.send(frame(HEADERS, 0x5, 0, GET_FLOOD));
            assertConnectionError(c, Http2Error.PROTOCOL_ERROR);
        }
        assertOriginSawNothing("HEADERS on stream 0");
        assertNewConnectionServes();
    }

    @Test
    void dataOnStreamZeroIsAConnectionError() throws Exception {
        try (H2FrameClient c = open()) {
            c.send(frame(DATA, 1, 0, "zero".getBytes(StandardCharsets.US_ASCII)));
            assertConnectionError(c, Http2Error.PROTOCOL_ERROR);
        }
        assertOriginSawNothing("DATA on stream 0");
        assertNewConnectionServes();
    }

    @Test
    void evenClientStreamIdIsAConnectionError() throws Exception {
        try (H2FrameClient c = open()) {
            c.send(headers(2, true, true, GET_FLOOD));
            assertConnectionError(c, Http2Error.PROTOCOL_ERROR);
        }
        assertOriginSawNothing("stream 2 from a client");
        assertNewConnectionServes();
    }

    @Test
    void decreasingStreamIdIsAConnectionError() throws Exception {
        // RFC 9113 §5.1.1: Netty alone treats stream 3 as implicitly closed by stream 5 and resets it; StreamStates
        // makes it the connection error the RFC asks for. Either way the request is never served.
        try (H2FrameClient c = open()) {
            assertEquals(200, c.get(5, "/first").awaitResponse(5).status());
            origin.clear();
            c.send(headers(3, true, true, GET_FLOOD));
            assertConnectionError(c, Http2Error.PROTOCOL_ERROR);
        }
        assertOriginSawNothing("stream 3 after 5");
        assertNewConnectionServes();
    }

    @Test
    void dataOnAStreamNeverOpenedIsAConnectionError() throws Exception {
        try (H2FrameClient c = open()) {
            c.send(data(7, true, "stray"));
            assertConnectionError(c, Http2Error.PROTOCOL_ERROR);
        }
        assertOriginSawNothing("DATA on an idle stream");
        assertNewConnectionServes();
    }

    @Test
    void dataOnAClosedStreamIsAStreamError() throws Exception {
        try (H2FrameClient c = open()) {
            assertEquals(200, c.get(1, "/first").awaitResponse(1).status());
            origin.clear();
            c.send(data(1, true, "late"));
            assertStreamError(c, 1, Http2Error.STREAM_CLOSED);
            assertOriginSawNothing("DATA on a closed stream");
            assertStillServes(c, 3);
        }
    }

    // ---- flow control and settings ----

    @Test
    void zeroWindowUpdateOnTheConnectionIsAConnectionError() throws Exception {
        try (H2FrameClient c = open()) {
            c.send(windowUpdate(0, 0));
            assertConnectionError(c, Http2Error.PROTOCOL_ERROR);
        }
        assertOriginSawNothing("connection error");
        assertNewConnectionServes();
    }

    @Test
    void zeroWindowUpdateOnAStreamIsAStreamError() throws Exception {
        try (H2FrameClient c = open()) {
            c.send(post(1, "/zero-window"), windowUpdate(1, 0));
            assertStreamError(c, 1, Http2Error.PROTOCOL_ERROR);
            assertOriginSawNoCompleteRequest("zero WINDOW_UPDATE on a stream");
            assertStillServes(c, 3);
        }
    }

    @Test
    void connectionWindowOverflowIsAConnectionError() throws Exception {
        try (H2FrameClient c = open()) {
            c.send(windowUpdate(0, Integer.MAX_VALUE));
            assertConnectionError(c, Http2Error.FLOW_CONTROL_ERROR);
        }
        assertOriginSawNothing("connection error");
        assertNewConnectionServes();
    }

    @Test
    void streamWindowOverflowIsAStreamError() throws Exception {
        try (H2FrameClient c = open()) {
            c.send(post(1, "/overflow"), windowUpdate(1, Integer.MAX_VALUE));
            assertStreamError(c, 1, Http2Error.FLOW_CONTROL_ERROR);
            assertOriginSawNoCompleteRequest("stream window overflow");
            assertStillServes(c, 3);
        }
    }

    @Test
    void enablePushOtherThanZeroOrOneIsAConnectionError() throws Exception {
        try (H2FrameClient c = open()) {
            c.send(settings(0x2, 2));
            assertConnectionError(c, Http2Error.PROTOCOL_ERROR);
        }
        assertOriginSawNothing("connection error");
        assertNewConnectionServes();
    }

    @Test
    void initialWindowSizePastTwoToThe31IsAConnectionError() throws Exception {
        try (H2FrameClient c = open()) {
            c.send(settings(0x4, 1L << 31));
            assertConnectionError(c, Http2Error.FLOW_CONTROL_ERROR);
        }
        assertOriginSawNothing("connection error");
        assertNewConnectionServes();
    }

    @Test
    void maxFrameSizeOutOfRangeIsAConnectionError() throws Exception {
        for (long size : new long[] {16_383, 1L << 24}) {
            try (H2FrameClient c = open()) {
                c.send(settings(0x5, size));
                assertConnectionError(c, Http2Error.PROTOCOL_ERROR);
            }
        }
        assertOriginSawNothing("connection error");
        assertNewConnectionServes();
    }

    @Test
    void settingsFrameOfBadLengthIsAConnectionError() throws Exception {
        try (H2FrameClient c = open()) {
            c.send(frame(SETTINGS, 0, 0, new byte[7]));
            assertConnectionError(c, Http2Error.FRAME_SIZE_ERROR);
        }
        try (H2FrameClient c = open()) {
            c.send(frame(PING, 0, 0, new byte[7]));
            assertConnectionError(c, Http2Error.FRAME_SIZE_ERROR);
        }
        assertOriginSawNothing("connection error");
        assertNewConnectionServes();
    }

    // ---- control frame floods whose acks the client never reads ----

    @Test
    void pingFloodThatNeverReadsItsAcksIsBounded() throws Exception {
        controlFloodIsBounded(ping(42));
    }

    @Test
    void settingsFloodThatNeverReadsItsAcksIsBounded() throws Exception {
        controlFloodIsBounded(settings());
    }

    private static void controlFloodIsBounded(byte[] oneFrame) throws Exception {
        int perBatch = 1000;
        byte[] batch = new byte[oneFrame.length * perBatch];
        for (int i = 0; i < perBatch; i++) {
            System.arraycopy(oneFrame, 0, batch, i * oneFrame.length, oneFrame.length);
        }
        try (H2FrameClient c = open()) {
            c.reading(false);
            int batches = 0;
            while (c.isOpen() && batches < 4000) { // 4M frames at most
                c.send(batch);
                batches++;
            }
            c.reading(true);
            assertTrue(batches < 4000, "the proxy stopped the flood: " + c.summary());
            assertTrue(c.awaitClosed(10), "the proxy closed the connection: " + c.summary());
            // its GOAWAY queues behind the acks the client never read, and may be lost in the reset
            assertTrue(
                    c.frames().stream().noneMatch(f -> f.type() == H2Frames.GOAWAY)
                            || c.awaitGoAway().code() == Http2Error.ENHANCE_YOUR_CALM.code(),
                    c.summary());
        }
        assertBufferMemoryBounded("control frame flood");
        assertOriginSawNothing("connection error");
        assertNewConnectionServes();
    }
}
