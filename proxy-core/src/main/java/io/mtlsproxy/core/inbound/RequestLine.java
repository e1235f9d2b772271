package io.mtlsproxy.core.inbound;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The method and target of a refused request's first line, for the access log: what the client really sent
 * when it reads as {@code METHOD SP TARGET SP ...}, else {@code -} (never an invented path). Also recognises a PROXY
 * protocol header, which a client sends first when the load balancer speaks it to a listener that does not.
 */
record RequestLine(String method, String target) {
    static final RequestLine UNKNOWN = new RequestLine("-", "-");
    private static final int MAX_LINE = 8192;
    private static final String[] COMMON_METHODS = {"GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"};
    private static final byte[][] COMMON_METHOD_BYTES = java.util.Arrays.stream(COMMON_METHODS)
            .map(m -> m.getBytes(StandardCharsets.US_ASCII))
            .toArray(byte[][]::new);
    private static final byte[] PROXY_V1 = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PROXY_V2 = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    /**
     * The first line at the reader index, or null when its end has not arrived yet. It runs for every request head,
     * so it reads the bytes where they are: only the method (unless a common one) and the target become strings.
     */
    static RequestLine peek(ByteBuf in) {
        int start = in.readerIndex();
        int end = in.indexOf(start, Math.min(in.writerIndex(), start + MAX_LINE), (byte) '\n');
        if (end < 0) {
            return in.readableBytes() >= MAX_LINE ? UNKNOWN : null;
        }
        int from = start;
        int to = end;
        while (from < to && isWhitespace(in.getByte(from))) {
            from++;
        }
        while (to > from && isWhitespace(in.getByte(to - 1))) {
            to--;
        }
        int methodEnd = in.indexOf(from, to, (byte) ' ');
        if (methodEnd < 0) {
            return UNKNOWN;
        }
        int targetEnd = in.indexOf(methodEnd + 1, to, (byte) ' ');
        if (targetEnd < 0) {
            targetEnd = to;
        }
        if (!all(in, from, methodEnd, true) || !all(in, methodEnd + 1, targetEnd, false)) {
            return UNKNOWN;
        }
        return new RequestLine(
                method(in, from, methodEnd),
                in.toString(methodEnd + 1, targetEnd - methodEnd - 1, StandardCharsets.ISO_8859_1));
    }

    /** The method's name: the constant for a common one, so the usual request makes no string for it. */
    private static String method(ByteBuf in, int from, int to) {
        for (int i = 0; i < COMMON_METHODS.length; i++) {
            if (COMMON_METHOD_BYTES[i].length == to - from && startsWith(in, from, COMMON_METHOD_BYTES[i])) {
                return COMMON_METHODS[i];
            }
        }
        return in.toString(from, to - from, StandardCharsets.ISO_8859_1);
    }

    /** Non-empty and every byte a tchar ({@code token}) or visible ASCII (else). */
    private static boolean all(ByteBuf in, int from, int to, boolean token) {
        if (from >= to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            int c = in.getByte(i) & 0xff;
            if (token ? !RequestHeadScanner.isTchar(c) : c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** What {@link String#strip()} removes from a line read as ISO-8859-1. */
    private static boolean isWhitespace(byte b) {
        return Character.isWhitespace((char) (b & 0xff));
    }

    /** True when the bytes at the reader index start a PROXY protocol v1 or v2 header. */
    static boolean isProxyHeader(ByteBuf in) {
        return startsWith(in, PROXY_V1) || startsWith(in, PROXY_V2);
    }

    private static boolean startsWith(ByteBuf in, byte[] prefix) {
        return in.readableBytes() >= prefix.length && startsWith(in, in.readerIndex(), prefix);
    }

    /** Whether the bytes at {@code at} are {@code prefix} (the caller checked that they are there). */
    private static boolean startsWith(ByteBuf in, int at, byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if (in.getByte(at + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
