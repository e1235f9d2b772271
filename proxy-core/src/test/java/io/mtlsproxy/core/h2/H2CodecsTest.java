package io.mtlsproxy.core.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

/** The request ID leaves every answer as an HPACK literal that is never indexed; other headers are indexed. */
class H2CodecsTest {
    /** RFC 7541 §6.2: the first byte of a literal with a new name, never indexed (0x10) or indexed (0x40). */
    private static final int NEVER_INDEXED_NEW_NAME = 0x10;

    private static final int INCREMENTAL_NEW_NAME = 0x40;

    private static int firstByte(DefaultHttp2HeadersEncoder encoder, String name, String value) throws Exception {
        Http2Headers h = new DefaultHttp2Headers().add(AsciiString.of(name), AsciiString.of(value));
        ByteBuf out = Unpooled.buffer();
        try {
            encoder.encodeHeaders(1, h, out);
            return out.getUnsignedByte(0);
        } finally {
            out.release();
        }
    }

    @Test
    void theRequestIdIsNeverIndexedAndOtherHeadersAre() throws Exception {
        var encoder = new DefaultHttp2HeadersEncoder(H2Codecs.neverIndexed("X-Request-Id"));
        assertEquals(NEVER_INDEXED_NEW_NAME, firstByte(encoder, "x-request-id", "3f2a"));
        assertEquals(NEVER_INDEXED_NEW_NAME, firstByte(encoder, "x-request-id", "3f2b"));
        assertEquals(INCREMENTAL_NEW_NAME, firstByte(encoder, "x-other", "1"));
    }
}
