package io.mtlsproxy.core.trace;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Random IDs in hex, made on the event loop without locks or system calls: {@link ThreadLocalRandom} rather than
 * {@code UUID.randomUUID()}, whose SecureRandom is shared (and may block on a starved entropy pool). The IDs must be
 * unique, not secret: nothing is ever authorized by one.
 */
final class RandomHex {
    private static final byte[] DIGITS = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private RandomHex() {}

    /** A random non-zero 64-bit value: W3C trace context forbids all-zero IDs. */
    static long nonZero() {
        long v;
        do {
            v = ThreadLocalRandom.current().nextLong();
        } while (v == 0);
        return v;
    }

    /** {@code v} as 16 lowercase hex digits (ASCII bytes) into {@code out} at {@code at}. */
    static void write(long v, byte[] out, int at) {
        for (int i = 15; i >= 0; i--) {
            out[at + i] = DIGITS[(int) (v & 0xf)];
            v >>>= 4;
        }
    }

    static boolean isLowerHex(CharSequence s, int from, int to) {
        boolean nonZero = false;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
            nonZero |= c != '0';
        }
        return nonZero;
    }
}
