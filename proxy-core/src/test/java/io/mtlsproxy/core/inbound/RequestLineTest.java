package io.mtlsproxy.core.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The first line of a head as the access log shows a refused request: read in place, as String.split read it. */
class RequestLineTest {
    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "GET /a?b=c HTTP/1.1\\r\\n|GET|/a?b=c",
                "  \tPOST /x HTTP/1.1 \\r\\n|POST|/x", // surrounding whitespace is stripped
                "BREW /pot HTTP/1.1\\r\\n|BREW|/pot", // an uncommon method is still what was sent
                "GET /only\\n|GET|/only", // no version: the target runs to the end
                "GET /x HTTP/1.1 trailing junk\\r\\n|GET|/x"
            })
    void methodAndTargetAreWhatWasSent(String line, String method, String target) {
        // CSV cannot hold line ends: the lines spell them \r and \n
        RequestLine read = RequestLine.peek(buf(line.replace("\\r", "\r").replace("\\n", "\n")));
        assertEquals(method, read.method());
        assertEquals(target, read.target());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "GET  /two-spaces HTTP/1.1\r\n",
                "G(T / HTTP/1.1\r\n",
                "GET\r\n",
                "GET /caf\u00e9 HTTP/1.1\r\n",
                "\r\n"
            })
    void aLineThatDoesNotReadAsMethodAndTargetIsUnknown(String line) {
        assertSame(RequestLine.UNKNOWN, RequestLine.peek(buf(line)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET /not-yet", ""})
    void aLineWithoutItsEndIsNotReadYet(String part) {
        assertNull(RequestLine.peek(buf(part)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n", "\r\n\r\n\0\r\nQUIT\n"})
    void aProxyProtocolHeaderIsRecognised(String start) {
        assertTrue(RequestLine.isProxyHeader(buf(start)));
        assertFalse(RequestLine.isProxyHeader(buf("GET / HTTP/1.1\r\n")));
    }

    private static ByteBuf buf(String s) {
        ByteBuf b = Unpooled.buffer().writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
        b.readerIndex(0);
        return b;
    }
}
