package io.mtlsproxy.core.trace;

import io.mtlsproxy.config.RequestIdConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

/**
 * The request-ID policy of one snapshot: the header it travels in and whether a client's own ID is kept. A new ID
 * is a random UUID (version 4 layout) made from {@link RandomHex}, about as cheap as a header lookup.
 */
public final class RequestIds {
    public static final RequestIds DEFAULT = new RequestIds(RequestIdConfig.DEFAULT);
    /** Longest incoming ID kept: an ID is logged with every line, so a client cannot make lines huge with it. */
    static final int MAX_INCOMING = 128;

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
    public String idFor(HttpHeaders headers) {
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
    public static String newId() {
        char[] hex = new char[32];
        RandomHex.write(RandomHex.nonZero(), hex, 0);
        RandomHex.write(RandomHex.nonZero(), hex, 16);
        hex[12] = '4';
        hex[16] = "89ab".charAt(hex[16] & 3);
        char[] out = new char[36];
        System.arraycopy(hex, 0, out, 0, 8);
        out[8] = '-';
        System.arraycopy(hex, 8, out, 9, 4);
        out[13] = '-';
        System.arraycopy(hex, 12, out, 14, 4);
        out[18] = '-';
        System.arraycopy(hex, 16, out, 19, 4);
        out[23] = '-';
        System.arraycopy(hex, 20, out, 24, 12);
        return new String(out);
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
