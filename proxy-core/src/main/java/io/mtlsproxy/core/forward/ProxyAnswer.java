package io.mtlsproxy.core.forward;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** The answers the proxy makes itself: a status and a one-line plain-text reason (DESIGN.md: status codes). */
final class ProxyAnswer {
    /** nginx's names for the client-certificate answers. */
    static final HttpResponseStatus CERTIFICATE_ERROR = new HttpResponseStatus(495, "SSL Certificate Error");

    static final HttpResponseStatus CERTIFICATE_REQUIRED = new HttpResponseStatus(496, "SSL Certificate Required");
    /** Logged (never sent) when the client went away before its response was complete, as nginx does. */
    static final int CLIENT_CLOSED = 499;

    private ProxyAnswer() {}

    static HttpResponseStatus status(int code) {
        return switch (code) {
            case 495 -> CERTIFICATE_ERROR;
            case 496 -> CERTIFICATE_REQUIRED;
            default -> HttpResponseStatus.valueOf(code);
        };
    }

    /**
     * The proxy's answer to the request {@code log} describes, which it completes and writes to the access log;
     * Retry-After when {@code retryAfter} is above 0, {@code Connection: close} when {@code close}.
     */
    static FullHttpResponse logged(
            ForwardingContext fc,
            RequestLog log,
            int status,
            String reason,
            long retryAfter,
            boolean close,
            boolean headRequest,
            ByteBufAllocator alloc) {
        FullHttpResponse answer = of(status(status), reason, close, headRequest, alloc);
        if (log.requestId() != null) {
            answer.headers().set(fc.requestIds().header(), log.requestId());
        }
        if (retryAfter > 0) {
            answer.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfter);
        }
        log.status(status);
        log.reason(reason);
        log.addBytesOut(answer.content().readableBytes()); // the body the client gets, as for a relayed response
        log.finish(fc.metrics(), fc.accessLog());
        return answer;
    }

    /** {@code headRequest}: the body is left out but its length still announced. */
    static FullHttpResponse of(
            HttpResponseStatus status, String reason, boolean close, boolean headRequest, ByteBufAllocator alloc) {
        byte[] text = (reason + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuf body =
                headRequest ? Unpooled.EMPTY_BUFFER : alloc.buffer(text.length).writeBytes(text);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, text.length);
        if (close) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return r;
    }
}
