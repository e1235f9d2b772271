package io.mtlsproxy.core.inbound;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;

/**
 * The method and target of a refused request's first line, for the access log: what the client really sent
 * when it reads as {@code METHOD SP TARGET SP ...}, else {@code -} (never an invented path). Also recognises a PROXY
 * protocol header, which a client sends first when the load balancer speaks it to a listener that does not.
 */
record RequestLine(String method, String target) {
    static final RequestLine UNKNOWN = new RequestLine("-", "-");
    private static final int MAX_LINE = 8192;
    private static final byte[] PROXY_V1 = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PROXY_V2 = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    /** The first line at the reader index, or null when its end has not arrived yet. */
    static RequestLine peek(ByteBuf in) {
        int start = in.readerIndex();
        int end = in.indexOf(start, Math.min(in.writerIndex(), start + MAX_LINE), (byte) '\n');
        if (end < 0) {
            return in.readableBytes() >= MAX_LINE ? UNKNOWN : null;
        }
        String line = in.toString(start, end - start, StandardCharsets.ISO_8859_1);
        String[] parts = line.strip().split(" ", -1);
        if (parts.length < 2 || !isToken(parts[0]) || !isVisible(parts[1])) {
            return UNKNOWN;
        }
        return new RequestLine(parts[0], parts[1]);
    }

    /** True when the bytes at the reader index start a PROXY protocol v1 or v2 header. */
    static boolean isProxyHeader(ByteBuf in) {
        return startsWith(in, PROXY_V1) || startsWith(in, PROXY_V2);
    }

    private static boolean startsWith(ByteBuf in, byte[] prefix) {
        return in.readableBytes() >= prefix.length
                && ByteBufUtil.equals(
                        in, in.readerIndex(), io.netty.buffer.Unpooled.wrappedBuffer(prefix), 0, prefix.length);
    }

    private static boolean isToken(String s) {
        return !s.isEmpty() && s.chars().allMatch(RequestHeadScanner::isTchar);
    }

    private static boolean isVisible(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c > 0x20 && c < 0x7f);
    }
}
