package io.mtlsproxy.core.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.Limits;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The head scanner in front of Netty's decoder sees every head byte exactly once, however the bytes are cut into
 * reads: pipelined requests with bodies decode the same in one piece, byte by byte and in random pieces, and a
 * folded header is caught in the second of two pipelined requests, behind a body, at any cut.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StrictRequestDecoderTest {
    private static final String PIPELINE = "POST /a HTTP/1.1\r\nHost: a.test\r\nContent-Length: 11\r\n\r\n"
            + "hello\r\n\r\nX:"
            + "PUT /b HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n \r\n\r\n0\r\n\r\n"
            + "\r\nGET /c?q=%20 HTTP/1.0\r\nHost: a.test\r\nX-Tab:\tv\r\n\r\n";

    /** What came out: one line per message, "FAIL reason" for a failed one. */
    static List<String> decode(String raw, long seed, int maxPiece) {
        // as on a listener: the stand-in makes the decoder and the validator when the first piece arrives
        EmbeddedChannel ch =
                new EmbeddedChannel(new RequestDecoderOnFirstByte(ListenerInitializer.decoderConfig(Limits.DEFAULT)));
        byte[] bytes = raw.getBytes(StandardCharsets.ISO_8859_1);
        Random random = new Random(seed);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < bytes.length; ) {
            int n = maxPiece <= 0 ? bytes.length : Math.min(bytes.length - i, 1 + random.nextInt(maxPiece));
            ch.writeInbound(Unpooled.wrappedBuffer(bytes, i, n));
            i += n;
            drain(ch, out);
        }
        ch.finishAndReleaseAll();
        return out;
    }

    private static void drain(EmbeddedChannel ch, List<String> out) {
        Object m;
        while ((m = ch.readInbound()) != null) {
            try {
                if (m instanceof HttpRequest r) {
                    out.add(
                            r.decoderResult().isFailure()
                                    ? "FAIL " + r.decoderResult().cause().getMessage()
                                    : r.method() + " " + r.uri() + " " + r.protocolVersion());
                } else if (m instanceof HttpContent c && c.content().isReadable()) {
                    out.add("body " + c.content().toString(StandardCharsets.ISO_8859_1));
                }
                if (m instanceof LastHttpContent last && !(m instanceof HttpRequest)) {
                    out.add(
                            last.decoderResult().isFailure()
                                    ? "FAIL " + last.decoderResult().cause()
                                    : "end");
                }
            } finally {
                ReferenceCountUtil.release(m);
            }
        }
    }

    @Test
    void pipelinedRequestsDecodeTheSameHoweverTheBytesAreCut() {
        List<String> whole = decode(PIPELINE, 0, 0);
        assertEquals(
                List.of(
                        "POST /a HTTP/1.1",
                        "body hello\r\n\r\nX:",
                        "end",
                        "PUT /b HTTP/1.1",
                        "body  \r\n",
                        "end",
                        "GET /c?q=%20 HTTP/1.0",
                        "end"),
                joinBodies(whole));
        for (long seed = 0; seed < 200; seed++) {
            assertEquals(joinBodies(whole), joinBodies(decode(PIPELINE, seed, (int) (seed % 9) + 1)), "seed " + seed);
        }
    }

    @Test
    void aFoldBehindABodyIsCaughtAtAnyCut() {
        String raw = "POST /a HTTP/1.1\r\nHost: a.test\r\nContent-Length: 4\r\n\r\n \r\n "
                + "GET /b HTTP/1.1\r\nHost: a.test\r\nX: 1\r\n folded\r\n\r\n";
        for (long seed = 0; seed < 100; seed++) {
            List<String> out = decode(raw, seed, (int) (seed % 7) + 1);
            assertTrue(out.get(out.size() - 1).startsWith("FAIL obs-fold"), "seed " + seed + ": " + out);
            assertTrue(out.get(0).startsWith("POST /a"), out.toString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "/a/b                 | ",
                "/a/..b/c.d           | ",
                "/a%2Fb               | ",
                "/a?x=/../y           | ",
                "*                    | ",
                "http://a.test        | ",
                "http://a.test/x/..   | dot-segment in the request path (send the normalized path)",
                "/a/%2E               | dot-segment in the request path (send the normalized path)",
                "/a/.%2e;p/b          | dot-segment in the request path (send the normalized path)",
                "/a/..%5Cb            | dot-segment in the request path (send the normalized path)",
                "/a%2                 | malformed percent-encoding in the request path",
                "/a\\b                | backslash in the request path"
            })
    void pathRules(String uri, String problem) {
        assertEquals(problem, RequestValidator.RequestRules.pathProblem(uri));
    }

    @Test
    void h2cUpgradeIsRefusedAndWebSocketIsNot() {
        HttpRequest h2c = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        h2c.headers().set("Upgrade", "websocket, h2c");
        assertTrue(RequestValidator.RequestRules.problem(h2c).startsWith("Upgrade: h2c"));
        HttpRequest ws = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        ws.headers().set("Upgrade", "websocket");
        assertNull(RequestValidator.RequestRules.problem(ws));
    }

    /** Body pieces of one message joined, so that cuts inside a body compare equal. */
    static List<String> joinBodies(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            if (l.startsWith("body ")
                    && !out.isEmpty()
                    && out.get(out.size() - 1).startsWith("body ")) {
                out.set(out.size() - 1, out.get(out.size() - 1) + l.substring(5));
            } else {
                out.add(l);
            }
        }
        return out;
    }
}
