package io.mtlsproxy.core.trace;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.Iterator;

/**
 * W3C Trace Context (traceparent, tracestate) through the proxy. The proxy is a span of its own: the origin gets
 * the incoming trace ID with a new parent ID, the proxy's span, so the proxy shows up between the caller and the
 * origin. A request without a valid traceparent starts a trace (sampled flag set, so the origin records it), and a
 * tracestate without a valid traceparent is dropped, as the specification asks.
 */
public final class TraceContext {
    public static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    public static final AsciiString TRACESTATE = AsciiString.cached("tracestate");
    /** {@code 00-} 32 hex {@code -} 16 hex {@code -} 2 hex */
    private static final int LENGTH = 55;

    private TraceContext() {}

    /**
     * Replaces the request's traceparent with the proxy's (same trace, new span) or starts a trace; returns the
     * traceparent the origin gets, as ASCII bytes the HTTP encoders copy as they are.
     */
    public static AsciiString forward(HttpHeaders headers) {
        Iterator<String> incoming = headers.valueStringIterator(TRACEPARENT); // no list made per request
        String parent = incoming.hasNext() ? incoming.next() : null;
        if (incoming.hasNext()) {
            parent = null; // two parents are none
        }
        byte[] out = new byte[LENGTH];
        out[0] = '0'; // the proxy speaks version 00, whatever later version it was given
        out[1] = '0';
        out[2] = '-';
        out[35] = '-';
        RandomHex.write(RandomHex.nonZero(), out, 36);
        out[52] = '-';
        if (parent != null && valid(parent)) {
            for (int i = 3; i < 35; i++) { // the trace ID, checked ASCII by valid()
                out[i] = (byte) parent.charAt(i);
            }
            out[53] = (byte) parent.charAt(53);
            out[54] = (byte) parent.charAt(54);
        } else {
            headers.remove(TRACESTATE);
            RandomHex.write(RandomHex.nonZero(), out, 3);
            RandomHex.write(RandomHex.nonZero(), out, 19);
            out[53] = '0';
            out[54] = '1';
        }
        AsciiString ours = new AsciiString(out, false);
        headers.set(TRACEPARENT, ours);
        return ours;
    }

    /**
     * A version-00 traceparent, or a later version's first 55 characters followed by nothing or a dash (the spec's
     * rule for versions it does not know); version ff is invalid, IDs must be lowercase hex and not all zero.
     */
    static boolean valid(CharSequence p) {
        if (p.length() < LENGTH || p.charAt(2) != '-' || p.charAt(35) != '-' || p.charAt(52) != '-') {
            return false;
        }
        boolean v00 = p.charAt(0) == '0' && p.charAt(1) == '0';
        if (v00 ? p.length() != LENGTH : p.length() > LENGTH && p.charAt(LENGTH) != '-') {
            return false;
        }
        if (!isHex(p, 0, 2) || p.charAt(0) == 'f' && p.charAt(1) == 'f' || !isHex(p, 53, 55)) {
            return false;
        }
        return RandomHex.isLowerHex(p, 3, 35) && RandomHex.isLowerHex(p, 36, 52);
    }

    private static boolean isHex(CharSequence s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }
}
