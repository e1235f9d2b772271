package io.mtlsproxy.core.h2;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * On an HTTP/2 stream, after {@code Http2StreamFrameToHttpObjectCodec}: a HEADERS frame that ends the stream comes
 * out as one full message, where the data path (as HTTP/1.1's codec does) expects a head followed by its last
 * content. This splits it, so a header-only request (GET) or a trailers-only response (a gRPC error) goes the same
 * way as any other. It also drops the codec's {@code x-http2-*} extension headers from requests: they describe the
 * client's connection, and no origin should see them.
 */
@ChannelHandler.Sharable
public final class FullMessageSplitter extends ChannelInboundHandlerAdapter {
    public static final FullMessageSplitter INSTANCE = new FullMessageSplitter();
    private static final String EXTENSION_PREFIX = "x-http2-";

    private FullMessageSplitter() {}

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest req) {
            dropExtensionHeaders(req);
        }
        if (!(msg instanceof FullHttpMessage full)) {
            ctx.fireChannelRead(msg);
            return;
        }
        HttpMessage head = full instanceof FullHttpRequest r
                ? new DefaultHttpRequest(r.protocolVersion(), r.method(), r.uri(), r.headers())
                : new DefaultHttpResponse(full.protocolVersion(), ((FullHttpResponse) full).status(), full.headers());
        LastHttpContent last = new DefaultLastHttpContent(full.content());
        last.trailingHeaders().set(full.trailingHeaders());
        ctx.fireChannelRead(head);
        ctx.fireChannelRead(last);
    }

    /** One pass over the headers, per stream: no name set, no stream pipeline. */
    static void dropExtensionHeaders(HttpRequest req) {
        HttpHeaders headers = req.headers();
        List<CharSequence> found = null;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence name = it.next().getKey();
            if (AsciiString.regionMatches(name, true, 0, EXTENSION_PREFIX, 0, EXTENSION_PREFIX.length())) {
                if (found == null) {
                    found = new ArrayList<>(2);
                }
                found.add(name);
            }
        }
        if (found != null) {
            found.forEach(headers::remove);
        }
    }
}
