package io.mtlsproxy.core;

import static io.mtlsproxy.core.H2Frames.block;
import static io.mtlsproxy.core.H2Frames.data;
import static io.mtlsproxy.core.H2Frames.headers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.core.testing.RecordingOrigin;
import io.netty.handler.codec.http2.Http2Error;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed and refused HTTP/2 requests (RFC 9113 §8, and the proxy's own request rules shared with HTTP/1.1): each
 * gets its exact answer, RST_STREAM PROTOCOL_ERROR for a request HTTP/2 calls malformed, or the same status and
 * one-line reason the HTTP/1.1 path gives; the origin sees nothing of it; and a well-behaved stream on the same
 * connection is served afterwards.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class Http2MalformedRequestsTest extends H2HostileProxy {
    /** A request's header block, field by field, in order; and its expected answer: "reset" or a status. */
    record Case(String name, String expect, String... fields) {
        @Override
        public String toString() {
            return name + " → " + expect;
        }
    }

    private static final String RESET = "reset";

    private static String[] get(String path, String... more) {
        String[] base = {":method", "GET", ":scheme", "https", ":authority", "localhost", ":path", path};
        return Stream.concat(Stream.of(base), Stream.of(more)).toArray(String[]::new);
    }

    static Stream<Case> cases() {
        return Stream.of(
                // pseudo-headers (RFC 9113 §8.3)
                new Case("missing :method", RESET, ":scheme", "https", ":authority", "localhost", ":path", "/x"),
                new Case("missing :path", RESET, ":method", "GET", ":scheme", "https", ":authority", "localhost"),
                new Case("missing :scheme", RESET, ":method", "GET", ":authority", "localhost", ":path", "/x"),
                new Case("empty :path", RESET, get("")),
                new Case(
                        "pseudo-header after a regular one",
                        RESET,
                        ":method",
                        "GET",
                        ":scheme",
                        "https",
                        "x-a",
                        "1",
                        ":authority",
                        "localhost",
                        ":path",
                        "/x"),
                new Case(":path twice", RESET, get("/x", ":path", "/y")),
                new Case("unknown pseudo-header", RESET, get("/x", ":evil", "1")),
                new Case(":status in a request", RESET, get("/x", ":status", "200")),
                // field names and values (§8.2)
                new Case("uppercase header name", RESET, get("/x", "X-Upper", "1")),
                new Case("space in a header name", RESET, get("/x", "x a", "1")),
                new Case("CRLF in a header value", RESET, get("/x", "x-a", "1\r\nx-injected: 1")),
                new Case("NUL in a header value", RESET, get("/x", "x-a", "1\u0000")),
                // connection-specific fields (§8.2.2)
                new Case("connection", RESET, get("/x", "connection", "close")),
                new Case("transfer-encoding", RESET, get("/x", "transfer-encoding", "chunked")),
                new Case("keep-alive", RESET, get("/x", "keep-alive", "timeout=5")),
                new Case("proxy-connection", RESET, get("/x", "proxy-connection", "keep-alive")),
                new Case("upgrade: h2c", RESET, get("/x", "upgrade", "h2c")),
                new Case("te other than trailers", RESET, get("/x", "te", "gzip")),
                // the proxy's own rules, as on HTTP/1.1
                new Case("CONNECT", "405", ":method", "CONNECT", ":authority", "localhost:443"),
                new Case("dot-segment in :path", "400", get("/a/../admin")),
                new Case("encoded dot-segment in :path", "400", get("/a/%2e%2e/admin")),
                new Case("backslash in :path", "400", get("/a\\..\\admin")),
                new Case("malformed percent-encoding", "400", get("/a%zz")),
                new Case(":path not starting with /", "400", get("admin")),
                new Case("http2-settings", "400", get("/x", "http2-settings", "AAMAAABkAAQAoAAAAAIAAAAA")),
                new Case("unsupported expect", "417", get("/x", "expect", "teapot")),
                new Case(
                        "userinfo in :authority",
                        "400",
                        ":method",
                        "GET",
                        ":scheme",
                        "https",
                        ":authority",
                        "user@localhost",
                        ":path",
                        "/x"),
                new Case("host other than :authority", RESET, get("/x", "host", "b.test")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void malformedRequest(Case c) throws Exception {
        try (H2FrameClient client = open()) {
            client.send(headers(1, true, true, block(c.fields())));
            if (c.expect().equals(RESET)) {
                assertStreamError(client, 1, Http2Error.PROTOCOL_ERROR);
            } else {
                H2FrameClient.Response r = client.awaitResponse(1);
                assertEquals(Integer.parseInt(c.expect()), r.status(), c.name() + ": " + r.body());
                assertTrue(
                        r.body().length() > 1
                                && r.body().indexOf('\n') >= r.body().length() - 1,
                        c.name() + ": a one-line reason: " + r.body());
            }
            assertOriginSawNothing(c.name());
            assertStillServes(client, 3);
        }
    }

    @Test
    void authorityOtherThanTheSniGets421AsOnHttp1() throws Exception {
        try (H2FrameClient client = open("a.test")) {
            client.send(headers(
                    1, true, true, block(":method", "GET", ":scheme", "https", ":authority", "b.test", ":path", "/x")));
            H2FrameClient.Response r = client.awaitResponse(1);
            assertEquals(421, r.status(), r.body());
            assertEquals("Host b.test does not match the TLS server name a.test\n", r.body());
            assertOriginSawNothing(":authority b.test on SNI a.test");
            client.send(headers(
                    3,
                    true,
                    true,
                    block(":method", "GET", ":scheme", "https", ":authority", "a.test", ":path", "/after")));
            assertEquals(200, client.awaitResponse(3).status(), client.summary());
        }
    }

    @Test
    void teTrailersIsAllowedAndNotForwardedAsHopByHop() throws Exception {
        try (H2FrameClient client = open()) {
            client.send(headers(1, true, true, block(get("/te", "te", "trailers"))));
            assertEquals(200, client.awaitResponse(1).status(), client.summary());
        }
        List<RecordingOrigin.Recorded> seen = origin.requests();
        assertEquals(1, seen.size());
        assertFalse(seen.get(0).names().contains("te"), "te is hop-by-hop on HTTP/1.1: " + seen);
    }

    @Test
    void contentLengthLargerThanTheDataSentIsResetAndNeverCompletes() throws Exception {
        contentLengthDisagrees("10", "hello");
    }

    @Test
    void contentLengthSmallerThanTheDataSentIsResetAndNeverCompletes() throws Exception {
        contentLengthDisagrees("2", "hello");
    }

    private static void contentLengthDisagrees(String declared, String sent) throws Exception {
        try (H2FrameClient client = open()) {
            client.send(
                    headers(
                            1,
                            false,
                            true,
                            block(
                                    ":method",
                                    "POST",
                                    ":scheme",
                                    "https",
                                    ":authority",
                                    "localhost",
                                    ":path",
                                    "/upload",
                                    "content-length",
                                    declared)),
                    data(1, true, sent));
            assertStreamError(client, 1, Http2Error.PROTOCOL_ERROR);
            assertOriginSawNoCompleteRequest("content-length " + declared + " with " + sent.length() + " bytes");
            origin.clear();
            assertStillServes(client, 3);
        }
    }
}
