package io.mtlsproxy.core.inbound;

import static java.util.Objects.requireNonNull;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpDecoderConfig;

/**
 * Stands where the HTTP/1.1 request decoder goes ({@code http-decoder}) until the connection's first bytes arrive,
 * then puts the decoder and the {@code request-validator} in its place and hands them those bytes. A connection
 * that a load balancer opens and keeps idle, or one that turns to HTTP/2 or tcp, never pays for the parser's
 * state (about half a KiB of heap: the decoder, its head scanner, its line buffer and two pipeline contexts).
 * One per listener configuration: it keeps no state of its own.
 */
@ChannelHandler.Sharable
final class RequestDecoderOnFirstByte extends ChannelInboundHandlerAdapter {
    private final HttpDecoderConfig config;

    RequestDecoderOnFirstByte(HttpDecoderConfig config) {
        this.config = requireNonNull(config, "config");
    }

    HttpDecoderConfig config() {
        return config;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // The validator first, then the decoder in this handler's place: the bytes forwarded from this (now
        // removed) context reach the decoder, as Netty's replace guarantees.
        ctx.pipeline().addAfter(ctx.name(), "request-validator", new RequestValidator());
        ctx.pipeline().replace(ctx.name(), "http-decoder", new StrictRequestDecoder(config));
        ctx.fireChannelRead(msg);
    }
}
