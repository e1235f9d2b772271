package io.mtlsproxy.core.forward;

import io.mtlsproxy.core.inbound.InboundConnection;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;

/**
 * The client's end of a request, all that {@link RequestStart}, {@link Exchange} and {@link ClientWrites} see of
 * it: where the request came from, how answers reach the client, and how the client side learns that an exchange
 * is over. An HTTP/1.1 connection is one ({@link HttpProxyHandler}); so is an HTTP/2 stream that is not a channel
 * of its own. Everything here runs on the client connection's event loop.
 */
interface ClientEnd {
    /** The server's state, as of this request. */
    ForwardingContext fc();

    /** The listener the request came in on. */
    String listenerName();

    /** The client connection: address, SNI, certificate. */
    InboundConnection connection();

    /** The {@code response-timeout} its exchanges share, one after the other. */
    ResponseTimeout responseTimeout();

    /** The request goes to its origin: {@code exchange} carries it, and is started right after this. */
    void forwarding(Exchange exchange);

    /** The request is a WebSocket opening handshake, let through to its origin. */
    void tunnel(ForwardedRequest forwarded);

    EventLoop eventLoop();

    ByteBufAllocator alloc();

    /** A promise for a write whose end the caller waits for (the answer before a close). */
    ChannelPromise newPromise();

    /** The promise for a write whose outcome nobody waits for; may be a void promise. */
    ChannelPromise untrackedWrite();

    /** Writes a response head, a piece of its body or its end (HTTP/1.1 objects), without flushing. */
    void write(Object msg, ChannelPromise promise);

    ChannelFuture writeAndFlush(Object msg, ChannelPromise promise);

    void flush();

    /** Whether the client takes more now: the origin is read only while it does. */
    boolean isWritable();

    /** Whether the client side stays open after an exchange that would keep it open ({@code exchangeKeepAlive}). */
    boolean keepsAlive(boolean exchangeKeepAlive);

    /** True when responses must say {@code Connection: close}: the proxy is draining. */
    boolean closeRequested();

    /** Reads more of the client's request when the exchange can take it. */
    void maybeRead();

    /**
     * Answers the current request itself, with Retry-After when {@code retryAfter} is above 0; {@code close} ends
     * the client side after the answer.
     */
    void answer(RequestLog log, int status, String reason, boolean close, long retryAfter);

    default void answer(RequestLog log, int status, String reason, boolean close) {
        answer(log, status, reason, close, 0);
    }

    /** The response is out; {@code keepAlive} is what {@link #keepsAlive} decided before {@code written}. */
    void exchangeDone(boolean keepAlive, ChannelFuture written);

    /** The exchange broke off mid-response: the client can only learn it from the client side's end. */
    void exchangeAborted();
}
