package io.mtlsproxy.core.forward;

import io.mtlsproxy.config.Retries;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * A copy of a request body kept while it is streamed to the origin, so that a retry can send it again (Envoy's
 * retry buffer): retained slices of the client's own buffers, no bytes copied, up to the route's
 * {@code retries.buffer-limit}. A body that grows past the limit is let go at once and the request is then not
 * retried. Only made for a request its route could retry after the body went out; used on the exchange's event
 * loop, and {@link #release}d by the exchange whichever way it ends.
 */
final class RetryBuffer {
    private final long limit;
    private CompositeByteBuf body;
    private HttpHeaders trailers;
    private boolean whole;

    private RetryBuffer(long limit, ByteBufAllocator alloc) {
        this.limit = limit;
        this.body = alloc.compositeBuffer();
    }

    /**
     * A buffer for {@code request} when its route may retry it after its body went out (a reset or an answer, not
     * only a failed connect), its method is one the route retries, and a declared length fits the limit; else
     * null, and the body is only streamed: nothing is kept for the requests that cannot be retried.
     */
    static RetryBuffer forRequest(ForwardedRequest forwarded) {
        HttpRequest request = forwarded.request();
        Retries retries = forwarded.route().upstream().config().policy().retries();
        if (retries.attempts() == 0
                || !retries.methods().contains(request.method().name())
                || retries.on().isEmpty()
                || retries.on().equals(RetryPolicy.CONNECT_FAILURE_ONLY)
                || request.headers().contains(HttpHeaderNames.UPGRADE)
                || HttpUtil.getContentLength(request, 0L) > retries.bufferLimit()) {
            return null;
        }
        return new RetryBuffer(retries.bufferLimit(), forwarded.client().alloc());
    }

    /**
     * Keeps a copy of {@code c}, a piece of the body about to be written; false when the body has now outgrown
     * the limit and the copy is gone (the caller forgets this buffer).
     */
    boolean keep(HttpContent c) {
        if (body == null) {
            return false;
        }
        if (body.readableBytes() + (long) c.content().readableBytes() > limit) {
            release();
            return false;
        }
        if (c.content().isReadable()) {
            body.addComponent(true, c.content().retainedSlice());
        }
        if (c instanceof LastHttpContent last) {
            whole = true;
            trailers = last.trailingHeaders().isEmpty()
                    ? null
                    : last.trailingHeaders().copy();
        }
        return true;
    }

    /** Whether the client sent the whole body and all of it is here: only then can it go out again. */
    boolean whole() {
        return whole && body != null;
    }

    /** The whole body as one last piece for a new try, holding its own reference (the write releases it). */
    LastHttpContent replay() {
        LastHttpContent last = new DefaultLastHttpContent(body.retainedSlice());
        if (trailers != null) {
            last.trailingHeaders().set(trailers);
        }
        return last;
    }

    /** Lets the copy go; the buffer is of no further use. Idempotent. */
    void release() {
        if (body != null) {
            body.release();
            body = null;
        }
    }
}
