package io.mtlsproxy.core.h2;

import static io.netty.handler.codec.http2.Http2Exception.streamError;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;
import java.util.Iterator;
import java.util.Map;

/**
 * A client stream's request head as HTTP/1.1, and the answer's head as HTTP/2, each in one pass over the headers.
 * Netty's {@code HttpConversionUtil} does the same work more generally: on the way in it adds {@code x-http2-*}
 * headers that the proxy then had to find and remove again, and on the way out it builds a map of the names
 * {@code Connection} nominates and copies every header name twice to lower-case it. Here a request gets exactly
 * what Netty's conversion leaves once the extension headers are gone (Host from {@code :authority}, a different
 * Host refused, cookies joined, no Connection, Transfer-Encoding or Trailer, and no {@code x-http2-*} header a client sent itself), and an answer
 * whose {@code Connection} nominates nothing but {@code close} or {@code keep-alive} (every answer the proxy writes:
 * hop-by-hop headers are gone by then) has its names lower-cased without a copy when they are common ones.
 * Anything else goes through Netty's conversion.
 */
public final class HeadConversion {
    private static final String EXTENSION_PREFIX = "x-http2-";
    /** Response header names common enough to be looked up rather than lower-cased into a copy. */
    private static final AsciiString[] COMMON = {
        HttpHeaderNames.CONTENT_TYPE,
        HttpHeaderNames.CONTENT_LENGTH,
        HttpHeaderNames.DATE,
        HttpHeaderNames.SERVER,
        HttpHeaderNames.CACHE_CONTROL,
        HttpHeaderNames.ETAG,
        HttpHeaderNames.LAST_MODIFIED,
        HttpHeaderNames.ACCEPT_RANGES,
        HttpHeaderNames.VARY,
        HttpHeaderNames.LOCATION,
        HttpHeaderNames.EXPIRES,
        HttpHeaderNames.SET_COOKIE,
        HttpHeaderNames.CONTENT_ENCODING,
        HttpHeaderNames.RETRY_AFTER,
        AsciiString.cached("x-request-id"),
        AsciiString.cached("grpc-status"),
        AsciiString.cached("grpc-message"),
    };

    private HeadConversion() {}

    /**
     * The request a HEADERS frame opens, as HTTP/1.1 (CONNECT's target is its {@code :authority}); a stream error
     * (PROTOCOL_ERROR) when it cannot be one, or when a Host header disagrees with {@code :authority}.
     */
    public static HttpRequest request(int streamId, Http2Headers in) throws Http2Exception {
        CharSequence method = in.method();
        CharSequence host = in.authority();
        CharSequence target = HttpMethod.CONNECT.asciiName().contentEqualsIgnoreCase(method) ? host : in.path();
        if (method == null || target == null) {
            throw streamError(streamId, Http2Error.PROTOCOL_ERROR, "request without :method or :path");
        }
        HttpRequest req;
        HttpHeaders out;
        StringBuilder cookies = null;
        try {
            req = new DefaultHttpRequest(
                    HttpVersion.HTTP_1_1, HttpMethod.valueOf(method.toString()), target.toString(), true);
            out = req.headers();
            if (host != null) {
                out.add(HttpHeaderNames.HOST, host);
            }
            for (Map.Entry<CharSequence, CharSequence> e : in) {
                CharSequence name = e.getKey();
                if (name.length() == 0) {
                    throw streamError(streamId, Http2Error.PROTOCOL_ERROR, "empty header name");
                }
                if (name.charAt(0) == ':') {
                    if (!Http2Headers.PseudoHeaderName.isPseudoHeader(name)) {
                        throw streamError(streamId, Http2Error.PROTOCOL_ERROR, "invalid pseudo-header %s", name);
                    }
                } else if (HttpHeaderNames.COOKIE.contentEquals(name)) {
                    cookies = cookies == null ? new StringBuilder() : cookies.append("; ");
                    cookies.append(e.getValue());
                } else if (HttpHeaderNames.HOST.contentEquals(name)) {
                    if (host == null) {
                        host = e.getValue();
                        out.add(HttpHeaderNames.HOST, host);
                    } else if (!AsciiString.contentEqualsIgnoreCase(host, e.getValue())) {
                        throw streamError(
                                streamId, Http2Error.PROTOCOL_ERROR, "conflicting :authority and host headers");
                    }
                } else if (!dropped(name)) {
                    out.add(name, e.getValue());
                }
            }
        } catch (IllegalArgumentException e) {
            throw streamError(streamId, Http2Error.PROTOCOL_ERROR, e, "HTTP/2 to HTTP/1.x headers conversion error");
        }
        if (cookies != null) {
            out.add(HttpHeaderNames.COOKIE, cookies.toString());
        }
        return req;
    }

    /** What Netty's conversion removes from a request (names arrive lower-case: HPACK validated them). */
    private static boolean dropped(CharSequence name) {
        return HttpHeaderNames.CONNECTION.contentEquals(name)
                || HttpHeaderNames.TRANSFER_ENCODING.contentEquals(name)
                || HttpHeaderNames.TRAILER.contentEquals(name)
                || AsciiString.regionMatches(name, true, 0, EXTENSION_PREFIX, 0, EXTENSION_PREFIX.length());
    }

    /** An answer's head as a HEADERS frame's headers: lower-case names, no connection-specific header. */
    public static Http2Headers response(HttpResponse head) {
        HttpHeaders in = head.headers();
        if (nominatesHeaders(in)) {
            return HttpConversionUtil.toHttp2Headers(head, true);
        }
        Http2Headers out = new DefaultHttp2Headers(true, in.size() + 1);
        out.status(head.status().codeAsText());
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = in.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            CharSequence name = e.getKey();
            if (connectionSpecific(name)) {
                if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TE)
                        && AsciiString.contentEqualsIgnoreCase(e.getValue(), HttpHeaderValues.TRAILERS)) {
                    out.add(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
                }
            } else {
                out.add(lowerCase(name), e.getValue());
            }
        }
        return out;
    }

    /** Whether a Connection header names more than {@code close} or {@code keep-alive}. */
    private static boolean nominatesHeaders(HttpHeaders in) {
        if (!in.contains(HttpHeaderNames.CONNECTION)) {
            return false;
        }
        for (Iterator<? extends CharSequence> it = in.valueCharSequenceIterator(HttpHeaderNames.CONNECTION);
                it.hasNext(); ) {
            CharSequence v = it.next();
            if (!AsciiString.contentEqualsIgnoreCase(v, HttpHeaderValues.CLOSE)
                    && !AsciiString.contentEqualsIgnoreCase(v, HttpHeaderValues.KEEP_ALIVE)) {
                return true;
            }
        }
        return false;
    }

    /** The names HTTP/2 forbids (RFC 9113 §8.2.2), Host (:authority's in HTTP/2) and Netty's extension names. */
    private static boolean connectionSpecific(CharSequence name) {
        return switch (name.length()) {
                    case 2 -> AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TE);
                    case 4 -> AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.HOST);
                    case 7 -> AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.UPGRADE);
                    case 10 ->
                        AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONNECTION)
                                || AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.KEEP_ALIVE);
                    case 16 -> AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.PROXY_CONNECTION);
                    case 17 -> AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRANSFER_ENCODING);
                    default -> false;
                }
                || AsciiString.regionMatches(name, true, 0, EXTENSION_PREFIX, 0, EXTENSION_PREFIX.length());
    }

    /** The name in lower case: itself when it is already, a shared constant when it is a common one. */
    static CharSequence lowerCase(CharSequence name) {
        if (!hasUpperCase(name)) {
            return name;
        }
        for (AsciiString common : COMMON) {
            if (common.length() == name.length() && common.contentEqualsIgnoreCase(name)) {
                return common;
            }
        }
        return AsciiString.of(name).toLowerCase();
    }

    private static boolean hasUpperCase(CharSequence name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                return true;
            }
        }
        return false;
    }
}
