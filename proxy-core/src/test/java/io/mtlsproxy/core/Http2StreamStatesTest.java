package io.mtlsproxy.core;

import static io.mtlsproxy.core.H2Frames.RST_STREAM;
import static io.mtlsproxy.core.H2Frames.block;
import static io.mtlsproxy.core.H2Frames.frame;
import static io.mtlsproxy.core.H2Frames.headers;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.handler.codec.http2.Http2Error;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The stream states of RFC 9113 §5.1 where Netty's codec alone answers otherwise than the RFC asks (the three cases
 * h2spec found): a HEADERS frame on a stream the client already ended, before or after the proxy's answer, and a
 * stream identifier smaller than one the client used before. A stream that was reset keeps the milder answer.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class Http2StreamStatesTest extends H2HostileProxy {
    private static final byte[] GET =
            block(":method", "GET", ":scheme", "https", ":authority", "localhost", ":path", "/states");

    @Test
    void headersOnAHalfClosedRemoteStreamIsResetStreamClosed() throws Exception {
        try (H2FrameClient c = open()) {
            // both in one write: the second arrives while the first is still being answered
            c.send(headers(1, true, true, GET), headers(1, true, true, GET));
            assertStreamError(c, 1, Http2Error.STREAM_CLOSED);
            assertStillServes(c, 3);
        }
        assertNewConnectionServes();
    }

    @Test
    void headersOnAStreamClosedByEndStreamIsAConnectionError() throws Exception {
        try (H2FrameClient c = open()) {
            assertEquals(200, c.get(1, "/first").awaitResponse(1).status());
            origin.clear();
            c.send(headers(1, true, true, GET));
            assertConnectionError(c, Http2Error.STREAM_CLOSED);
        }
        assertOriginSawNothing("HEADERS on a closed stream");
        assertNewConnectionServes();
    }

    @Test
    void headersOnAStreamTheClientResetIsOnlyAStreamError() throws Exception {
        try (H2FrameClient c = open()) {
            c.send(headers(1, false, true, GET), frame(RST_STREAM, 0, 1, new byte[] {0, 0, 0, 0x8})); // CANCEL
            Thread.sleep(100);
            c.send(headers(1, true, true, GET));
            assertStreamError(c, 1, Http2Error.STREAM_CLOSED);
            assertStillServes(c, 3);
        }
    }

    @Test
    void decreasingStreamIdIsAConnectionError() throws Exception {
        try (H2FrameClient c = open()) {
            c.send(headers(5, true, true, GET), headers(3, true, true, GET));
            assertConnectionError(c, Http2Error.PROTOCOL_ERROR);
        }
        assertNewConnectionServes();
    }
}
