package io.mtlsproxy.core.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mtlsproxy.core.net.ClientAddress;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Random;

/**
 * Fuzzes the PROXY protocol v1/v2 reader (Netty's decoder, then {@link ProxyProtocolReader}) with the bytes a load
 * balancer, or anyone who reaches the port, may send first. For any bytes cut into reads at the fuzzer's choice:
 * nothing throws out of the pipeline and no buffer leaks; the outcome is the same as for the bytes in one read;
 * either the connection is closed or the reader has removed itself, and then the proxied address it recorded is a
 * literal IP with a port, and the bytes after the header reach the next handler unchanged, in order.
 */
class ProxyProtocolFuzzTest {
    @FuzzTest
    void headers(FuzzedDataProvider data) {
        long seed = data.consumeLong();
        int maxPiece = data.consumeInt(1, 128);
        byte[] raw = data.consumeRemainingAsBytes();
        Outcome whole = read(raw, 0, 0);
        assertEquals(whole, read(raw, seed, maxPiece), "the same however the bytes are cut");
        if (!whole.closed()) {
            assertTrue(whole.passedOn().length <= raw.length, "no bytes made up");
            assertTrue(
                    Arrays.equals(
                                    whole.passedOn(),
                                    Arrays.copyOfRange(raw, raw.length - whole.passedOn().length, raw.length))
                            || !whole.readerGone(),
                    "what follows the header passes unchanged");
        }
        if (whole.proxied() != null) {
            assertTrue(whole.readerGone(), "an address only from a complete header");
            assertNotNull(whole.proxied().getAddress(), "a literal address, never a name to resolve");
            assertTrue(whole.proxied().getPort() >= 0 && whole.proxied().getPort() <= 0xffff);
        }
    }

    /** What became of the connection. */
    record Outcome(boolean closed, boolean readerGone, InetSocketAddress proxied, byte[] passedOn) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Outcome x
                    && closed == x.closed
                    && readerGone == x.readerGone
                    && java.util.Objects.equals(proxied, x.proxied)
                    && Arrays.equals(passedOn, x.passedOn);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(passedOn);
        }

        @Override
        public String toString() {
            return "closed=" + closed + " readerGone=" + readerGone + " proxied=" + proxied + " passedOn="
                    + ByteBufUtil.hexDump(passedOn);
        }
    }

    private static Outcome read(byte[] raw, long seed, int maxPiece) {
        EmbeddedChannel ch = new EmbeddedChannel(
                ProxyProtocolReader.decoder(),
                new ProxyProtocolReader(0, io.mtlsproxy.core.metrics.ProxyMetrics.inMemory(), "fuzz"));
        Random random = new Random(seed);
        ByteBuf passed = Unpooled.buffer();
        try {
            for (int i = 0; i < raw.length && ch.isActive(); ) {
                int n = maxPiece <= 0 ? raw.length : Math.min(raw.length - i, 1 + random.nextInt(maxPiece));
                ch.writeInbound(Unpooled.copiedBuffer(raw, i, n));
                i += n;
                Object m;
                while ((m = ch.readInbound()) != null) {
                    if (m instanceof ByteBuf b) {
                        passed.writeBytes(b);
                    }
                    ReferenceCountUtil.release(m);
                }
            }
            ch.checkException();
            return new Outcome(
                    !ch.isActive(),
                    ch.pipeline().get(ProxyProtocolReader.class) == null,
                    ch.attr(ClientAddress.PROXIED).get(),
                    ByteBufUtil.getBytes(passed));
        } finally {
            passed.release();
            ch.finishAndReleaseAll();
        }
    }
}
