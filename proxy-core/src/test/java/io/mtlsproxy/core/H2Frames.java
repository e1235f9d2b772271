package io.mtlsproxy.core;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/2 frames as bytes, for {@link H2FrameClient}: nothing is checked, so that a test can send frames no codec
 * would write (wrong stream, lying length, invalid settings, pseudo-headers out of order). Header blocks are HPACK
 * literals without indexing, one per field, so any name, case and order can be sent.
 */
final class H2Frames {
    static final int DATA = 0x0;
    static final int HEADERS = 0x1;
    static final int RST_STREAM = 0x3;
    static final int SETTINGS = 0x4;
    static final int PING = 0x6;
    static final int GOAWAY = 0x7;
    static final int WINDOW_UPDATE = 0x8;
    static final int CONTINUATION = 0x9;
    static final int END_STREAM = 0x1;
    static final int ACK = 0x1;
    static final int END_HEADERS = 0x4;

    private H2Frames() {}

    /** One frame: the 9-byte header (24-bit length, type, flags, stream id) and the payload. */
    static byte[] frame(int type, int flags, int stream, byte[] payload) {
        return frame(type, flags, stream, payload.length, payload);
    }

    /** A frame whose length field says {@code length}, whatever the payload is (for lying frames). */
    static byte[] frame(int type, int flags, int stream, int length, byte[] payload) {
        byte[] f = new byte[9 + payload.length];
        f[0] = (byte) (length >>> 16);
        f[1] = (byte) (length >>> 8);
        f[2] = (byte) length;
        f[3] = (byte) type;
        f[4] = (byte) flags;
        f[5] = (byte) (stream >>> 24 & 0x7f);
        f[6] = (byte) (stream >>> 16);
        f[7] = (byte) (stream >>> 8);
        f[8] = (byte) stream;
        System.arraycopy(payload, 0, f, 9, payload.length);
        return f;
    }

    static byte[] headers(int stream, boolean endStream, boolean endHeaders, byte[] block) {
        return frame(HEADERS, (endStream ? END_STREAM : 0) | (endHeaders ? END_HEADERS : 0), stream, block);
    }

    static byte[] continuation(int stream, boolean endHeaders, byte[] block) {
        return frame(CONTINUATION, endHeaders ? END_HEADERS : 0, stream, block);
    }

    static byte[] data(int stream, boolean endStream, String text) {
        return frame(DATA, endStream ? END_STREAM : 0, stream, text.getBytes(StandardCharsets.UTF_8));
    }

    /** SETTINGS with raw (id, value) pairs, values unchecked. */
    static byte[] settings(long... idValue) {
        byte[] p = new byte[idValue.length / 2 * 6];
        for (int i = 0; i < idValue.length; i += 2) {
            int at = i / 2 * 6;
            p[at] = (byte) (idValue[i] >>> 8);
            p[at + 1] = (byte) idValue[i];
            p[at + 2] = (byte) (idValue[i + 1] >>> 24);
            p[at + 3] = (byte) (idValue[i + 1] >>> 16);
            p[at + 4] = (byte) (idValue[i + 1] >>> 8);
            p[at + 5] = (byte) idValue[i + 1];
        }
        return frame(SETTINGS, 0, 0, p);
    }

    static byte[] ping(long payload) {
        byte[] p = new byte[8];
        for (int i = 0; i < 8; i++) {
            p[i] = (byte) (payload >>> (56 - 8 * i));
        }
        return frame(PING, 0, 0, p);
    }

    static byte[] windowUpdate(int stream, long increment) {
        return frame(WINDOW_UPDATE, 0, stream, new byte[] {
            (byte) (increment >>> 24 & 0x7f), (byte) (increment >>> 16), (byte) (increment >>> 8), (byte) increment
        });
    }

    /** A header block of (name, value) pairs exactly as given: HPACK literals without indexing, new names. */
    static byte[] block(String... nameValue) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < nameValue.length; i += 2) {
            b.write(0x00);
            hpackString(b, nameValue[i]);
            hpackString(b, nameValue[i + 1]);
        }
        return b.toByteArray();
    }

    /** A plain (not Huffman-coded) HPACK string: a 7-bit-prefix length, then the bytes. */
    private static void hpackString(ByteArrayOutputStream b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        int n = bytes.length;
        if (n < 127) {
            b.write(n);
        } else {
            b.write(127);
            n -= 127;
            while (n >= 128) {
                b.write(n % 128 + 128);
                n /= 128;
            }
            b.write(n);
        }
        b.writeBytes(bytes);
    }
}
