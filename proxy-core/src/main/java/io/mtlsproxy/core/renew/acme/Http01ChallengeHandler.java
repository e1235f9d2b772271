package io.mtlsproxy.core.renew.acme;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /.well-known/acme-challenge/TOKEN} on a plain listener that answers http-01, in front of the proxy
 * handler: 200 {@code text/plain} with the key authorization for a pending token, 404 for any other token. Every
 * other request passes through untouched. A challenge request pipelined behind a request still being proxied
 * passes through too (answering it first would reorder the responses). Not sharable.
 */
final class Http01ChallengeHandler extends ChannelDuplexHandler {
    static final String PREFIX = "/.well-known/acme-challenge/";
    private static final Logger LOG = LoggerFactory.getLogger(Http01ChallengeHandler.class);

    private final AcmeChallenges board;
    /** Requests handed to the proxy whose final response has not been written yet. */
    private int proxied;
    /** Set while the rest of a request we answered (its body, if any) is dropped. */
    private boolean discarding;

    private boolean keepAlive;

    Http01ChallengeHandler(AcmeChallenges board) {
        this.board = requireNonNull(board, "board");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (discarding && msg instanceof HttpContent) {
            ReferenceCountUtil.release(msg);
            next(ctx, msg);
            return;
        }
        if (msg instanceof HttpRequest request
                && proxied == 0
                && request.method().equals(HttpMethod.GET)
                && request.uri().startsWith(PREFIX)) {
            answer(ctx, request);
            ReferenceCountUtil.release(msg);
            next(ctx, msg);
            return;
        }
        if (msg instanceof HttpRequest) {
            proxied++;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof LastHttpContent
                && proxied > 0
                && !(msg instanceof HttpResponse r && r.status().codeClass() == HttpStatusClass.INFORMATIONAL)) {
            proxied--; // the proxy's final response is complete
        }
        ctx.write(msg, promise);
    }

    private void answer(ChannelHandlerContext ctx, HttpRequest request) {
        String token = request.uri().substring(PREFIX.length());
        String keyAuthorization = board.http01(token).orElse(null);
        keepAlive = HttpUtil.isKeepAlive(request);
        discarding = true;
        FullHttpResponse response = keyAuthorization == null
                ? response(ctx, HttpResponseStatus.NOT_FOUND, "no pending ACME challenge for this token\n")
                : response(ctx, HttpResponseStatus.OK, keyAuthorization);
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        if (keyAuthorization == null) { // anyone may ask: not worth more than a debug line
            LOG.debug("acme: http-01 from {}: unknown token, 404", ctx.channel().remoteAddress());
        } else {
            LOG.info(
                    "acme: answered an http-01 validation from {}",
                    ctx.channel().remoteAddress());
        }
        var written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Reads are explicit on these connections: the rest of the answered request, then the next one. */
    private void next(ChannelHandlerContext ctx, Object consumed) {
        if (consumed instanceof LastHttpContent) {
            discarding = false;
            if (!keepAlive) {
                return;
            }
        }
        ctx.read();
    }

    private static FullHttpResponse response(ChannelHandlerContext ctx, HttpResponseStatus status, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
        ByteBuf content = ctx.alloc().buffer(bytes.length).writeBytes(bytes);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        return r;
    }
}
