package io.mtlsproxy.core.forward;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and never cross the proxy: Connection, Keep-Alive,
 * Proxy-*, TE, Trailer, Transfer-Encoding (the codec re-frames the body) and Upgrade, plus every header that
 * {@code Connection:} nominates. A nomination cannot remove Host, Content-Length or the forwarded headers: a client
 * must not be able to strip the framing or the proxy's own X-Forwarded-* on their way to the origin.
 * <p>
 * It runs on every request and response, so it looks at the names as they are, without lower-casing or copying
 * them; only a header to remove costs an allocation.
 */
final class HopByHop {
    private HopByHop() {}

    static void strip(HttpHeaders headers) {
        List<CharSequence> remove = null;
        if (headers.contains(HttpHeaderNames.CONNECTION)) {
            for (Iterator<? extends CharSequence> values =
                            headers.valueCharSequenceIterator(HttpHeaderNames.CONNECTION);
                    values.hasNext(); ) {
                remove = nominated(values.next(), remove);
            }
        }
        // the fixed names are noted in a bit set, so that the usual case (an origin's "Connection: keep-alive" on
        // every response) allocates nothing; only Proxy-* and nominated names need the list
        int fixed = 0;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence name = it.next().getKey();
            if (always(name)) {
                int i = fixedIndex(name);
                if (i >= 0) {
                    fixed |= 1 << i;
                } else {
                    remove = add(remove, name);
                }
            }
        }
        for (int i = 0; fixed != 0; i++, fixed >>>= 1) {
            if ((fixed & 1) != 0) {
                headers.remove(FIXED[i]);
            }
        }
        if (remove != null) {
            for (CharSequence name : remove) {
                headers.remove(name);
            }
        }
    }

    /** The hop-by-hop names that are not a Proxy-* prefix (the headers' remove ignores case). */
    private static final String[] FIXED = {"connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade"};

    /** The index of {@code name} (any case) in {@link #FIXED}, -1 for another name. */
    private static int fixedIndex(CharSequence name) {
        for (int i = 0; i < FIXED.length; i++) {
            if (FIXED[i].length() == name.length() && HeaderNames.is(name, FIXED[i])) {
                return i;
            }
        }
        return -1;
    }

    /** Connection, Keep-Alive, TE, Trailer, Transfer-Encoding, Upgrade and Proxy-*, in any case. */
    static boolean always(CharSequence name) {
        return switch (name.length()) {
            case 2 -> HeaderNames.is(name, "te");
            case 7 ->
                HeaderNames.is(name, "trailer")
                        || HeaderNames.is(name, "upgrade")
                        || HeaderNames.startsWith(name, "proxy-");
            case 10 ->
                HeaderNames.is(name, "connection")
                        || HeaderNames.is(name, "keep-alive")
                        || HeaderNames.startsWith(name, "proxy-");
            case 17 -> HeaderNames.is(name, "transfer-encoding") || HeaderNames.startsWith(name, "proxy-");
            default -> HeaderNames.startsWith(name, "proxy-");
        };
    }

    /** Adds the names a Connection value nominates (comma separated) to {@code remove}. */
    private static List<CharSequence> nominated(CharSequence value, List<CharSequence> remove) {
        int n = value.length();
        int i = 0;
        while (i < n) {
            int comma = i;
            while (comma < n && value.charAt(comma) != ',') {
                comma++;
            }
            int start = i;
            int end = comma;
            while (start < end && isSpace(value.charAt(start))) {
                start++;
            }
            while (end > start && isSpace(value.charAt(end - 1))) {
                end--;
            }
            if (start < end) {
                CharSequence token = value.subSequence(start, end);
                // a hop-by-hop name goes anyway; Host, Content-Length and the forwarded headers never go
                if (!always(token)
                        && !HeaderNames.is(token, "host")
                        && !HeaderNames.is(token, "content-length")
                        && !ForwardedHeaders.isForwardedHeader(token)) {
                    remove = add(remove, token.toString().toLowerCase(Locale.ROOT));
                }
            }
            i = comma + 1;
        }
        return remove;
    }

    /** What {@link String#trim()} strips. */
    private static boolean isSpace(char c) {
        return c <= ' ';
    }

    private static List<CharSequence> add(List<CharSequence> list, CharSequence name) {
        List<CharSequence> l = list == null ? new ArrayList<>(4) : list;
        l.add(name);
        return l;
    }
}
