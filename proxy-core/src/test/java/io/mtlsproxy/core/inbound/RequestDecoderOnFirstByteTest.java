package io.mtlsproxy.core.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.mtlsproxy.config.Limits;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An idle connection holds no parser: the shared stand-in is all there is in {@code http-decoder} until bytes
 * arrive, and then the decoder and the validator take its place, in that order, before the handler after it.
 */
class RequestDecoderOnFirstByteTest {
    @Test
    void theDecoderIsMadeByTheFirstBytesOfEachConnection() {
        RequestDecoderOnFirstByte shared =
                new RequestDecoderOnFirstByte(ListenerInitializer.decoderConfig(Limits.DEFAULT));
        EmbeddedChannel idle = channel(shared);
        EmbeddedChannel busy = channel(shared);

        assertEquals(List.of("http-decoder", "proxy"), handlerNames(idle));
        assertNull(idle.pipeline().get(StrictRequestDecoder.class), "no parser before the first byte");

        busy.writeInbound(Unpooled.copiedBuffer("GET /a HTTP/1.1\r\nHost: a.test\r\n\r\n", StandardCharsets.US_ASCII));
        assertEquals(List.of("http-decoder", "request-validator", "proxy"), handlerNames(busy));
        assertInstanceOf(StrictRequestDecoder.class, busy.pipeline().get("http-decoder"));
        HttpRequest request = assertInstanceOf(HttpRequest.class, busy.readInbound());
        assertEquals("/a", request.uri());
        ReferenceCountUtil.release(request);

        assertEquals(List.of("http-decoder", "proxy"), handlerNames(idle), "the other connection is untouched");
        assertEquals(shared, idle.pipeline().get("http-decoder"));
        busy.finishAndReleaseAll();
        idle.finishAndReleaseAll();
    }

    private static EmbeddedChannel channel(RequestDecoderOnFirstByte shared) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast("http-decoder", shared);
        ch.pipeline().addLast("proxy", new ChannelInboundHandlerAdapter()); // passes the request on to readInbound
        return ch;
    }

    private static List<String> handlerNames(EmbeddedChannel ch) {
        return ch.pipeline().names().stream()
                .filter(n -> !n.startsWith("DefaultChannelPipeline$TailContext"))
                .toList();
    }
}
