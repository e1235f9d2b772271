package io.mtlsproxy.core.inbound;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;

/**
 * Netty's request decoder with a {@link RequestHeadScanner} in front of each request head: the raw head bytes are
 * checked before Netty parses them, and a head that breaks the rules becomes a failed request (400), after which
 * nothing more is decoded from the connection, exactly as when Netty's own checks fail.
 * <p>
 * The scanner sees each byte of a head once: it remembers how far past the reader index it has already looked,
 * and it starts again at the first byte after a request's last content. Body bytes are Netty's alone.
 */
public final class StrictRequestDecoder extends HttpRequestDecoder {
    private final RequestHeadScanner head = new RequestHeadScanner();
    private int scannedAhead;
    private boolean refused;
    /** The current head's first line, once it has arrived (null before): a refused head is logged with it. */
    private RequestLine line;

    public StrictRequestDecoder(HttpDecoderConfig config) {
        super(config);
    }

    /** Netty's placeholder for a head it could not read says {@code /bad-request}: ours says what was sent. */
    @Override
    protected HttpMessage createInvalidMessage() {
        RequestLine sent = line == null ? RequestLine.UNKNOWN : line;
        return new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_0, HttpMethod.valueOf(sent.method()), sent.target(), Unpooled.EMPTY_BUFFER);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (refused) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (!head.done()) {
            if (line == null) {
                line = RequestLine.peek(in);
            }
            try {
                if (scannedAhead == 0 && RequestLine.isProxyHeader(in)) {
                    line = RequestLine.UNKNOWN;
                    throw new IllegalArgumentException("a PROXY protocol header, but this listener does not read "
                            + "one (proxy-protocol = false)");
                }
                scannedAhead = head.scan(in, in.readerIndex() + scannedAhead) - in.readerIndex();
            } catch (IllegalArgumentException e) {
                refused = true;
                in.skipBytes(in.readableBytes());
                HttpMessage bad = createInvalidMessage();
                bad.setDecoderResult(DecoderResult.failure(e));
                out.add(bad);
                return;
            }
        }
        int first = out.size();
        int readerBefore = in.readerIndex();
        super.decode(ctx, in, out);
        scannedAhead = Math.max(0, scannedAhead - (in.readerIndex() - readerBefore));
        for (int i = first; i < out.size(); i++) {
            Object m = out.get(i);
            if (m instanceof HttpMessage msg && msg.decoderResult().isFailure()
                    || m instanceof HttpContent c && c.decoderResult().isFailure()) {
                refused = true; // Netty refused it itself and discards the rest
            }
            if (m instanceof LastHttpContent) {
                head.reset(); // the next byte is the next request's first
                scannedAhead = 0;
                line = null;
            }
        }
    }
}
