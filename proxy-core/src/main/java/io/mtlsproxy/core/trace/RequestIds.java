package io.mtlsproxy.core.trace;

import io.mtlsproxy.config.RequestIdConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

/**
 * The request-ID policy of one snapshot: the header it travels in and whether a client's own ID is kept. A new ID
 * is a random UUID (version 4 layout) made from {@link RandomHex}, about as cheap as a header lookup: its 36 ASCII
 * bytes are written once into the array of an {@link AsciiString}, which the HTTP encoders copy as bytes.
 */
public final class RequestIds {
    public static final RequestIds DEFAULT = new RequestIds(RequestIdConfig.DEFAULT);
    /** Longest incoming ID kept: an ID is logged with every line, so a client cannot make lines huge with it. */
    static final int MAX_INCOMING = 128;
    /** The UUID variant digit ({@code 8}, {@code 9}, {@code a} or {@code b}), picked by two random bits. */
    private static final byte[] VARIANT = {'8', '9', 'a', 'b'};

    private final AsciiString header;
    private final boolean trustIncoming;
    private final boolean enabled;

    public RequestIds(RequestIdConfig config) {
        this.header = AsciiString.cached(config.header());
        this.trustIncoming = config.trustIncoming();
        this.enabled = config.enabled();
    }

    public AsciiString header() {
        return header;
    }

    /**
     * The ID of the request with these headers: the trusted hop's when allowed and well-formed, else a new one; null
     * when request IDs are off.
     */
    public CharSequence idFor(HttpHeaders headers) {
        if (!enabled) {
            return null;
        }
        if (trustIncoming) {
            String incoming = headers.get(header);
            if (incoming != null && wellFormed(incoming)) {
                return incoming;
            }
        }
        return newId();
    }

    /** A new random ID: {@code xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx}. */
    public static AsciiString newId() {
        byte[] out = new byte[36];
        // 32 hex digits at 0..31, then moved right to open the four dashes, last group first
        RandomHex.write(RandomHex.nonZero(), out, 0);
        RandomHex.write(RandomHex.nonZero(), out, 16);
        out[12] = '4'; // version 4
        out[16] = VARIANT[out[16] & 3]; // variant 10xx
        System.arraycopy(out, 20, out, 24, 12);
        out[23] = '-';
        System.arraycopy(out, 16, out, 19, 4);
        out[18] = '-';
        System.arraycopy(out, 12, out, 14, 4);
        out[13] = '-';
        System.arraycopy(out, 8, out, 9, 4);
        out[8] = '-';
        return new AsciiString(out, false);
    }

    /** Printable ASCII without spaces, quotes or backslashes, at most {@link #MAX_INCOMING} characters. */
    static boolean wellFormed(String id) {
        int n = id.length();
        if (n == 0 || n > MAX_INCOMING) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = id.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }
}
