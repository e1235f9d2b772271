package io.mtlsproxy.core.tls;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.core.testing.TestTls;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The ClientHello parser against real hellos (the JDK's) and every kind of broken or hostile one. */
class ClientHelloSummaryTest {
    @Test
    void readsSniAndAlpnOfARealHello() throws Exception {
        byte[] body = helloBody("API.Example.Test", "h2", "acme-tls/1");
        ClientHelloSummary s = parse(body);
        assertEquals(Optional.of("api.example.test"), s.serverName(), "normalized like the SNI mapping");
        assertEquals(List.of("h2", "acme-tls/1"), s.alpn());
        assertTrue(s.offers("acme-tls/1"));
    }

    @Test
    void aHelloWithoutExtensionsOfInterestOffersNothing() throws Exception {
        ClientHelloSummary s = parse(helloBody(null));
        assertEquals(Optional.empty(), s.serverName());
        assertFalse(s.offers("acme-tls/1"));
        assertEquals(ClientHelloSummary.NOTHING, ClientHelloSummary.parse(null), "no hello at all");
    }

    @Test
    void everyTruncationIsNothing() throws Exception {
        byte[] body = helloBody("api.example.test", "acme-tls/1");
        for (int len = 0; len < body.length; len++) {
            assertEquals(ClientHelloSummary.NOTHING, parse(Arrays.copyOf(body, len)), "truncated at " + len);
        }
    }

    @Test
    void randomBytesAndFlippedBytesNeverThrow() throws Exception {
        Random random = new Random(20261207);
        byte[] real = helloBody("api.example.test", "acme-tls/1");
        for (int i = 0; i < 20_000; i++) {
            byte[] b;
            if (i % 2 == 0) {
                b = new byte[random.nextInt(600)];
                random.nextBytes(b);
            } else {
                b = real.clone();
                for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                    b[random.nextInt(b.length)] = (byte) random.nextInt(256);
                }
            }
            ClientHelloSummary s = parse(b); // must return, whatever the input
            s.serverName().ifPresent(n -> assertTrue(n.chars().allMatch(c -> c > 0x20 && c < 0x7f), n));
        }
    }

    @Test
    void duplicateExtensionsAndEmptyNamesAreMalformed() {
        byte[] sni = extension(0, list16(concat(new byte[] {0}, vec16("a.example.test".getBytes()))));
        byte[] alpn = extension(16, list16(vec8("acme-tls/1".getBytes())));
        assertEquals(Optional.of("a.example.test"), parse(hello(sni, alpn)).serverName());
        assertTrue(parse(hello(sni, alpn)).offers("acme-tls/1"));
        assertEquals(ClientHelloSummary.NOTHING, parse(hello(sni, sni, alpn)), "two SNI extensions");
        assertEquals(ClientHelloSummary.NOTHING, parse(hello(sni, alpn, alpn)), "two ALPN extensions");
        byte[] emptyName = extension(0, list16(concat(new byte[] {0}, vec16(new byte[0]))));
        assertEquals(ClientHelloSummary.NOTHING, parse(hello(emptyName, alpn)));
        byte[] emptyProtocol = extension(16, list16(vec8(new byte[0])));
        assertEquals(ClientHelloSummary.NOTHING, parse(hello(sni, emptyProtocol)));
        byte[] twoHosts = extension(
                0,
                list16(concat(new byte[] {0}, vec16("a.test".getBytes()), new byte[] {0}, vec16("b.test".getBytes()))));
        assertEquals(ClientHelloSummary.NOTHING, parse(hello(twoHosts, alpn)), "one host_name at most");
        byte[] controlChars = extension(0, list16(concat(new byte[] {0}, vec16("a\u0000.test".getBytes()))));
        assertEquals(ClientHelloSummary.NOTHING, parse(hello(controlChars, alpn)));
        byte[] overlong = extension(16, new byte[] {0, 20, 10, 'a'});
        assertEquals(ClientHelloSummary.NOTHING, parse(hello(sni, overlong)), "a length past its block");
    }

    @Test
    void readsWithAbsoluteIndexesOnly() throws Exception {
        ByteBuf buf = Unpooled.wrappedBuffer(helloBody("api.example.test", "acme-tls/1"));
        int before = buf.readerIndex();
        assertTrue(ClientHelloSummary.parse(buf).offers("acme-tls/1"));
        assertEquals(before, buf.readerIndex(), "the buffer is left for the TLS stack behind");
        buf.release();
    }

    @Test
    void readsTheSniOfAWholeFirstRecordAndNothingElse() throws Exception {
        byte[] record = helloRecord("API.Example.Test", "h2");
        ClientHelloSummary s = ofFirstRecord(record);
        assertEquals(Optional.of("api.example.test"), s.serverName());
        assertEquals(List.of(), s.alpn(), "the ALPN list is not read for the SNI alone");
        assertEquals(Optional.empty(), ofFirstRecord(helloRecord(null, "h2")).serverName(), "no SNI sent");
    }

    /** A hello the first read does not hold whole: null, so that the engine is asked once it has it all. */
    @Test
    void aHelloNotWholeInTheFirstReadIsUnknownRatherThanWithoutSni() throws Exception {
        byte[] record = helloRecord("api.example.test");
        for (int cut : new int[] {0, 4, 9, record.length / 2, record.length - 1}) {
            assertEquals(null, ofFirstRecord(Arrays.copyOf(record, cut)), "first " + cut + " bytes");
        }
        // the same hello in two records: the first record's length is less than the hello's
        byte[] firstOfTwo = record.clone();
        int shorter = record.length - 5 - 10;
        firstOfTwo[3] = (byte) (shorter >> 8);
        firstOfTwo[4] = (byte) shorter;
        assertEquals(null, ofFirstRecord(firstOfTwo));
    }

    @Test
    void firstBytesThatAreNoClientHelloHaveNoSni() throws Exception {
        assertEquals(ClientHelloSummary.NOTHING, ofFirstRecord("GET / HTTP/1.1\r\n\r\n".getBytes(US_ASCII)));
        byte[] record = helloRecord("api.example.test");
        record[5] = 2; // a ServerHello
        assertEquals(ClientHelloSummary.NOTHING, ofFirstRecord(record));
        ByteBuf buf = Unpooled.wrappedBuffer(helloRecord("api.example.test"));
        ClientHelloSummary.ofFirstRecord(buf);
        assertEquals(0, buf.readerIndex(), "the bytes are left for the TLS engine");
        buf.release();
    }

    /** The body of the JDK client's first handshake message: after the record (5) and handshake (4) headers. */
    static byte[] helloBody(String sni, String... alpn) throws Exception {
        byte[] record = helloRecord(sni, alpn);
        return Arrays.copyOfRange(record, 9, record.length);
    }

    /** The JDK client's first record: its ClientHello. */
    static byte[] helloRecord(String sni, String... alpn) throws Exception {
        byte[] record = TestTls.clientHelloRecord(sni, alpn);
        assertEquals(22, record[0], "a handshake record");
        assertEquals(1, record[5], "a ClientHello");
        return record;
    }

    private static ClientHelloSummary ofFirstRecord(byte[] firstRead) {
        return read(firstRead, ClientHelloSummary::ofFirstRecord);
    }

    private static ClientHelloSummary parse(byte[] body) {
        return read(body, ClientHelloSummary::parse);
    }

    private static ClientHelloSummary read(byte[] bytes, Function<ByteBuf, ClientHelloSummary> reader) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            return reader.apply(buf);
        } finally {
            buf.release();
        }
    }

    /** A minimal ClientHello body: version, random, empty session id, one suite, null compression, extensions. */
    private static byte[] hello(byte[]... extensions) {
        return concat(
                new byte[] {3, 3},
                new byte[32],
                new byte[] {0},
                vec16(new byte[] {0x13, 0x01}),
                new byte[] {1, 0},
                vec16(concat(extensions)));
    }

    private static byte[] extension(int type, byte[] data) {
        return concat(new byte[] {(byte) (type >> 8), (byte) type}, vec16(data));
    }

    private static byte[] list16(byte[] items) {
        return vec16(items);
    }

    private static byte[] vec16(byte[] data) {
        return concat(new byte[] {(byte) (data.length >> 8), (byte) data.length}, data);
    }

    private static byte[] vec8(byte[] data) {
        return concat(new byte[] {(byte) data.length}, data);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
