package io.mtlsproxy.core.inbound;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.util.Locale;

/**
 * Refuses decoded requests that are well-formed HTTP but that the proxy will not carry, because the origin could
 * understand them differently from the proxy (the rules are in {@link RequestRules}). A refused request reaches the
 * proxy handler as a failed decode, which answers 400 with the reason and closes the connection; everything the
 * client sends after it is dropped here, so no byte of it can be taken for a next request.
 * <p>
 * Request trailers are dropped as well: the proxy re-frames every body, and a trailer field is a header that
 * arrives after the proxy has already decided about the headers.
 */
public final class RequestValidator extends ChannelInboundHandlerAdapter {
    private boolean refused;

    /**
     * Null when {@code req} may be forwarded; else the reason for a 400. For a decoder that checks its requests
     * itself (an HTTP/2 stream's), so that a stream needs no validator of its own.
     */
    public static String problem(HttpRequest req) {
        return RequestRules.problem(req);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest req && req.decoderResult().isSuccess()) {
            String problem = RequestRules.problem(req);
            if (problem != null) {
                refused = true;
                req.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(problem)));
            }
        } else if (msg instanceof LastHttpContent last
                && !last.trailingHeaders().isEmpty()
                && last.decoderResult().isSuccess()) {
            msg = new DefaultLastHttpContent(last.content()); // takes over the content's reference
        } else if (msg instanceof HttpRequest
                || msg instanceof HttpContent c && c.decoderResult().isFailure()) {
            refused = true; // the decoder gave up: it discards the rest itself, and so do we
        }
        ctx.fireChannelRead(msg);
    }

    /** What {@link RequestValidator} checks; stateless, so that it can be tested without a channel. */
    static final class RequestRules {
        private static final AsciiString HTTP2_SETTINGS = AsciiString.cached("http2-settings");

        private RequestRules() {}

        /** Null when the request may be forwarded; else the reason for a 400. */
        static String problem(HttpRequest req) {
            HttpHeaders h = req.headers();
            String te = transferEncodingProblem(h);
            if (te != null) {
                return te;
            }
            if (h.contains(HttpHeaderNames.UPGRADE)) { // checked first: getAll copies, and most requests have none
                for (String upgrade : h.getAll(HttpHeaderNames.UPGRADE)) {
                    for (String token : upgrade.split(",")) {
                        if (token.trim().toLowerCase(Locale.ROOT).startsWith("h2c")) {
                            return "Upgrade: h2c is not supported (HTTP/2 needs TLS with ALPN h2)";
                        }
                    }
                }
            }
            if (h.contains(HTTP2_SETTINGS)) {
                return "HTTP2-Settings is not supported (HTTP/2 needs TLS with ALPN h2)";
            }
            return pathProblem(req.uri());
        }

        /**
         * Netty already refuses Transfer-Encoding with Content-Length, in HTTP/1.0, without chunked last, or with
         * chunked twice. Left is a coding before chunked ({@code gzip, chunked}): the proxy re-frames bodies and
         * would drop it, so the origin would get a compressed body it was never told about.
         */
        private static String transferEncodingProblem(HttpHeaders h) {
            if (!h.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
                return null;
            }
            String all = String.join(",", h.getAll(HttpHeaderNames.TRANSFER_ENCODING));
            if (!all.trim().equalsIgnoreCase("chunked")) {
                return "unsupported Transfer-Encoding: " + all + " (expected: chunked)";
            }
            return null;
        }

        /**
         * The path as routing sees it must be the path the origin sees. Routes match by prefix on the raw path and
         * the origin gets it unchanged, so a path the origin would normalize into another route's prefix is refused:
         * dot-segments, also percent-encoded ({@code %2e}), with {@code ;params} (Tomcat) or with an encoded or
         * back slash as separator; and malformed percent-encoding, which origins decode in different ways.
         */
        static String pathProblem(String uri) {
            String path = pathOf(uri);
            for (int i = 0; i < path.length(); i++) {
                char c = path.charAt(i);
                if (c == '\\') {
                    return "backslash in the request path";
                }
                if (c == '%'
                        && (i + 2 >= path.length()
                                || Character.digit(path.charAt(i + 1), 16) < 0
                                || Character.digit(path.charAt(i + 2), 16) < 0)) {
                    return "malformed percent-encoding in the request path";
                }
            }
            if (path.indexOf('.') < 0 && path.indexOf('%') < 0) {
                return null;
            }
            String separated = path.replaceAll("(?i)%2f|%5c", "/").replaceAll("(?i)%2e", ".");
            for (String segment : separated.split("/", -1)) {
                int semi = segment.indexOf(';');
                String name = semi < 0 ? segment : segment.substring(0, semi);
                if (name.equals(".") || name.equals("..")) {
                    return "dot-segment in the request path (send the normalized path)";
                }
            }
            return null;
        }

        /** The path of an origin-form or absolute-form target, without the query. */
        private static String pathOf(String uri) {
            int start = 0;
            int scheme = uri.indexOf("://");
            if (!uri.startsWith("/") && scheme > 0) {
                int slash = uri.indexOf('/', scheme + 3);
                int query = uri.indexOf('?', scheme + 3);
                start = slash < 0 || query >= 0 && query < slash ? uri.length() : slash;
            }
            int q = uri.indexOf('?', start);
            return uri.substring(start, q < 0 ? uri.length() : q);
        }
    }
}
