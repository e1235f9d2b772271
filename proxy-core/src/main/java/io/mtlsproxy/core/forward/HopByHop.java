package io.mtlsproxy.core.forward;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and never cross the proxy: Connection, Keep-Alive,
 * Proxy-*, TE, Trailer, Transfer-Encoding (the codec re-frames the body) and Upgrade, plus every header that
 * {@code Connection:} nominates. A nomination cannot remove Host, Content-Length or the forwarded headers: a client
 * must not be able to strip the framing or the proxy's own X-Forwarded-* on their way to the origin.
 */
final class HopByHop {
    private static final Set<String> ALWAYS = Set.of("connection", "keep-alive", "te", "trailer",
            "transfer-encoding", "upgrade");
    private static final Set<String> NEVER_NOMINATED = Set.of("host", "content-length");

    private HopByHop() {
    }

    static void strip(HttpHeaders headers) {
        List<String> nominated = new ArrayList<>();
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : value.split(",")) {
                String name = token.trim().toLowerCase(Locale.ROOT);
                if (!name.isEmpty() && !NEVER_NOMINATED.contains(name) && !ForwardedHeaders.isForwardedHeader(name)) {
                    nominated.add(name);
                }
            }
        }
        List<String> remove = new ArrayList<>(nominated);
        for (String name : headers.names()) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (ALWAYS.contains(lower) || lower.startsWith("proxy-")) {
                remove.add(name);
            }
        }
        for (String name : remove) {
            headers.remove(name);
        }
    }
}
