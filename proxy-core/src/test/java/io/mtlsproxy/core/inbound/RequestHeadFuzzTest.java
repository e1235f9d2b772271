package io.mtlsproxy.core.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mtlsproxy.config.Limits;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes the HTTP/1.1 request path in front of the proxy: {@link RequestHeadScanner} inside
 * {@link StrictRequestDecoder}, then {@link RequestValidator}. For any bytes: nothing throws out of the pipeline;
 * the bytes decode the same whole and cut into reads at the fuzzer's choice; and a request let through has a
 * request line and headers a strict parser would accept (token method, target and fields without control bytes)
 * and passes the validator's rules. The committed inputs (under {@code RequestHeadFuzzTestInputs}) run in every
 * build; {@code mvn -P fuzz} fuzzes.
 */
class RequestHeadFuzzTest {
    @FuzzTest
    void requestHeads(FuzzedDataProvider data) {
        long seed = data.consumeLong();
        int maxPiece = data.consumeInt(1, 64);
        String raw = new String(data.consumeRemainingAsBytes(), StandardCharsets.ISO_8859_1);

        // the same requests pass and the same fail however the bytes are cut; the reason of a failure may differ (a
        // head with both a bare CR and a bare LF is refused for whichever of the two is seen first)
        List<String> whole = outcomes(StrictRequestDecoderTest.decode(raw, 0, 0));
        assertEquals(
                whole,
                outcomes(StrictRequestDecoderTest.decode(raw, seed, maxPiece)),
                "the same however the bytes are cut");

        EmbeddedChannel ch = new EmbeddedChannel(
                new StrictRequestDecoder(ListenerInitializer.decoderConfig(Limits.DEFAULT)), new RequestValidator());
        try {
            ch.writeInbound(Unpooled.wrappedBuffer(raw.getBytes(StandardCharsets.ISO_8859_1)));
            Object m;
            while ((m = ch.readInbound()) != null) {
                try {
                    if (m instanceof HttpRequest r && r.decoderResult().isSuccess()) {
                        assertStrict(r);
                    }
                } finally {
                    ReferenceCountUtil.release(m);
                }
            }
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    private static List<String> outcomes(List<String> decoded) {
        // body pieces joined: how the bytes are cut decides how a body is split, not what it is
        return StrictRequestDecoderTest.joinBodies(decoded).stream()
                .map(line -> line.startsWith("FAIL") ? "FAIL" : line)
                .toList();
    }

    private static void assertStrict(HttpRequest r) {
        String method = r.method().name();
        assertTrue(!method.isEmpty() && method.chars().allMatch(RequestHeadScanner::isTchar), "method " + method);
        assertTrue(r.uri().chars().allMatch(c -> c > 0x20 && c < 0x7f), "target " + r.uri());
        assertTrue(
                r.protocolVersion().majorVersion() == 1 && r.protocolVersion().minorVersion() <= 1,
                "version " + r.protocolVersion());
        for (Map.Entry<String, String> h : r.headers()) {
            assertTrue(
                    !h.getKey().isEmpty() && h.getKey().chars().allMatch(RequestHeadScanner::isTchar),
                    "field name " + h.getKey());
            assertTrue(
                    h.getValue().chars().noneMatch(c -> c == '\r' || c == '\n' || c == 0),
                    "field value of " + h.getKey());
        }
        assertNull(RequestValidator.RequestRules.problem(r), "the validator's rules");
    }
}
