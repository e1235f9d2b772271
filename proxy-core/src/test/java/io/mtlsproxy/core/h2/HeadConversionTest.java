package io.mtlsproxy.core.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Each head converted in one pass gives what Netty's general conversion gave, less its extension headers. */
class HeadConversionTest {

    private static Http2Headers get(String path, String... fields) {
        Http2Headers h = new DefaultHttp2Headers()
                .method("GET")
                .scheme("https")
                .authority("a.test")
                .path(path);
        for (int i = 0; i < fields.length; i += 2) {
            h.add(AsciiString.of(fields[i]), AsciiString.of(fields[i + 1])); // as HPACK gives them
        }
        return h;
    }

    private static List<String> lines(Iterable<Map.Entry<String, String>> headers) {
        List<String> out = new ArrayList<>();
        headers.forEach(e -> out.add(e.getKey() + ": " + e.getValue()));
        return out;
    }

    @Test
    void aRequestIsNettysConversionWithoutItsExtensionHeaders() throws Exception {
        Http2Headers in = get(
                "/p?q=1",
                "cookie",
                "a=1",
                "accept",
                "*/*",
                "cookie",
                "b=2",
                "x-http2-scheme",
                "http",
                "te",
                "trailers",
                "host",
                "A.test");
        HttpRequest ours = HeadConversion.request(3, in);
        HttpRequest netty = HttpConversionUtil.toHttpRequest(3, in, true);
        netty.headers().remove("x-http2-stream-id").remove("x-http2-scheme");

        assertEquals(netty.method(), ours.method());
        assertEquals("/p?q=1", ours.uri());
        assertEquals(netty.uri(), ours.uri());
        assertEquals(HttpVersion.HTTP_1_1, ours.protocolVersion());
        assertEquals(new TreeSet<>(lines(netty.headers())), new TreeSet<>(lines(ours.headers())));
        assertEquals(lines(netty.headers()).size(), lines(ours.headers()).size());
        assertEquals("a=1; b=2", ours.headers().get("cookie"));
        assertEquals(List.of("a.test"), ours.headers().getAll("host"));
        assertTrue(ours.headers().names().stream().noneMatch(n -> n.startsWith("x-http2-")));
    }

    @Test
    void connectTargetsItsAuthority() throws Exception {
        Http2Headers in = new DefaultHttp2Headers().method("CONNECT").authority("b.test:443");
        assertEquals("b.test:443", HeadConversion.request(1, in).uri());
    }

    @Test
    void aHostOtherThanTheAuthorityIsAStreamError() {
        Http2Exception.StreamException e = assertThrows(
                Http2Exception.StreamException.class, () -> HeadConversion.request(5, get("/", "host", "b.test")));
        assertEquals(5, e.streamId());
        assertEquals(Http2Error.PROTOCOL_ERROR, e.error());
    }

    @Test
    void aResponseHasLowerCaseNamesAndNoConnectionSpecificHeader() {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CREATED);
        head.headers()
                .add("Content-Type", "text/plain")
                .add("X-Custom-Thing", "1")
                .add("Connection", "keep-alive")
                .add("Transfer-Encoding", "chunked")
                .add("Keep-Alive", "timeout=5")
                .add("Upgrade", "h2c")
                .add("TE", "trailers")
                .add("set-cookie", "s=1");
        Http2Headers ours = HeadConversion.response(head);

        assertEquals(HttpConversionUtil.toHttp2Headers(head, true), ours);
        assertEquals("201", ours.status().toString());
        assertEquals("1", ours.get("x-custom-thing").toString());
        assertEquals("trailers", ours.get("te").toString());
        assertFalse(ours.contains("connection"));
        assertFalse(ours.contains("transfer-encoding"));
        assertFalse(ours.contains("upgrade"));
    }

    @Test
    void aConnectionThatNominatesHeadersDropsThemToo() {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().add("Connection", "close, X-Hop").add("X-Hop", "1").add("X-Kept", "2");
        Http2Headers ours = HeadConversion.response(head);

        assertFalse(ours.contains("x-hop"));
        assertEquals("2", ours.get("x-kept").toString());
    }

    @Test
    void commonNamesAreSharedConstantsAndOthersLowerCasedCopies() {
        assertSame(HttpHeaderNames.CONTENT_TYPE, HeadConversion.lowerCase("Content-Type"));
        assertEquals("already-lower", HeadConversion.lowerCase("already-lower"));
        assertEquals("x-mixed-case", HeadConversion.lowerCase("X-Mixed-Case").toString());
    }
}
