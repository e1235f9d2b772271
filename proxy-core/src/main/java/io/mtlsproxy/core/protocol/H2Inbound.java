package io.mtlsproxy.core.protocol;

import io.mtlsproxy.core.forward.DrainEvent;
import io.mtlsproxy.core.forward.ForwardingContext;
import io.mtlsproxy.core.forward.H2Requests;
import io.mtlsproxy.core.h2.ControlFloodGuard;
import io.mtlsproxy.core.h2.GoAwayLinger;
import io.mtlsproxy.core.h2.H2Codecs;
import io.mtlsproxy.core.h2.ServerConnection;
import io.mtlsproxy.core.inbound.InboundConnection;
import io.mtlsproxy.core.inbound.Listener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * A client connection that chose h2 by ALPN:
 * <pre>
 * … tls → handshake → idle → h2-linger ({@link GoAwayLinger}) → h2 (connection handler, limits: {@link H2Codecs};
 *   frames → {@link ControlFloodGuard} → {@link H2Requests}) → h2-connection
 * </pre>
 * Streams are no channels: {@link H2Requests} takes the connection's frames and makes each stream one request
 * handled as an HTTP/1.1 request is: routed, checked against the route's identity policy (the connection's
 * certificate), given the proxy's forwarded headers and XFCC, carried to the route's origin over h1 or h2, and
 * logged. A stream's window is given back only as fast as its origin takes the body, so an origin that reads slowly
 * holds back the client, not the proxy's memory. {@link ControlFloodGuard} closes a client that floods SETTINGS or
 * PING frames without reading their acks.
 */
final class H2Inbound {
    private H2Inbound() {}

    static void install(ChannelPipeline p, ForwardingContext fc, Listener listener, InboundConnection conn) {
        H2Requests requests = new H2Requests(fc, listener.name(), conn);
        ServerConnection h2 =
                H2Codecs.server(listener.config().limits(), fc.requestIds().header(), requests);
        requests.attach(h2);
        p.channel().closeFuture().addListener(f -> requests.connectionClosed());
        p.addLast("h2-linger", new GoAwayLinger(h2.connection())); // a GOAWAY with an error is not lost to a reset
        p.addLast("h2", h2);
        p.addLast("h2-connection", new ConnectionEvents(h2));
        // every frame must be read (settings, pings, resets, other streams); the stream windows bound the memory
        p.channel().config().setAutoRead(true);
    }

    /** Drain and idle on the connection: GOAWAY, then close once the open streams are done. */
    private static final class ConnectionEvents extends ChannelInboundHandlerAdapter {
        private final Http2ConnectionHandler codec;

        ConnectionEvents(Http2ConnectionHandler codec) {
            this.codec = codec;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == DrainEvent.INSTANCE) {
                ctx.close(); // the codec's close is graceful: GOAWAY, streams finish, then the socket closes
                return;
            }
            if (evt instanceof IdleStateEvent) {
                if (codec.connection().numActiveStreams() == 0) {
                    ctx.close();
                }
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
                // an HTTP/2 error is the handler's: it sends GOAWAY with the error's code (ENHANCE_YOUR_CALM for a
                // rapid reset) and closes. Closing first would start a graceful close whose GOAWAY says NO_ERROR,
                // and the handler's own GOAWAY would then never be sent.
                return;
            }
            ctx.close();
        }
    }
}
