package io.mtlsproxy.core.protocol;

import io.mtlsproxy.core.forward.DrainEvent;
import io.mtlsproxy.core.forward.ForwardingContext;
import io.mtlsproxy.core.forward.HttpProxyHandler;
import io.mtlsproxy.core.h2.ClientStreamCodec;
import io.mtlsproxy.core.h2.ControlFloodGuard;
import io.mtlsproxy.core.h2.GoAwayLinger;
import io.mtlsproxy.core.h2.H2Codecs;
import io.mtlsproxy.core.inbound.InboundConnection;
import io.mtlsproxy.core.inbound.Listener;
import io.mtlsproxy.core.inbound.RequestValidator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * A client connection that chose h2 by ALPN:
 * <pre>
 * … tls → handshake → idle → h2-linger ({@link GoAwayLinger}) → h2 (frame codec, limits: {@link H2Codecs})
 *   → h2-flush (batches the streams' flushes) → h2-streams (multiplexer) → h2-connection
 * each stream: h2-stream (frames ⇄ HTTP objects, HTTP/1.1's request rules, stream errors: {@link ClientStreamCodec})
 *   → proxy (one {@link HttpProxyHandler})
 * </pre>
 * Each stream is one request handled as an HTTP/1.1 request is: routed, checked against the route's identity
 * policy (the connection's certificate), given the proxy's forwarded headers and XFCC, carried to the route's
 * origin over h1 or h2, and logged. Streams read explicitly, so an origin that reads slowly holds back the
 * client's stream window, not the proxy's memory. Before h2-connection, h2-control-flood ({@link ControlFloodGuard})
 * closes a client that floods SETTINGS or PING frames without reading their acks.
 */
final class H2Inbound {
    private H2Inbound() {}

    static void install(ChannelPipeline p, ForwardingContext fc, Listener listener, InboundConnection conn) {
        Http2FrameCodec codec =
                H2Codecs.server(listener.config().limits(), fc.requestIds().header());
        p.addLast("h2-linger", new GoAwayLinger(codec.connection())); // a GOAWAY with an error is not lost to a reset
        p.addLast("h2", codec);
        p.addLast("h2-flush", H2Codecs.streamFlushBatcher()); // answers ready together leave in one TLS record
        p.addLast("h2-streams", new Http2MultiplexHandler(new StreamHandlers(fc, listener.name(), conn)));
        p.addLast("h2-control-flood", new ControlFloodGuard(codec)); // SETTINGS/PING floods whose acks are never read
        p.addLast("h2-connection", new ConnectionEvents(codec));
        // every frame must be read (settings, pings, resets, other streams); the stream windows bound the memory
        p.channel().config().setAutoRead(true);
    }

    /**
     * Gives each new stream its handlers, then leaves its pipeline: what a {@code ChannelInitializer} does, without
     * its bookkeeping per stream (an entry in a concurrent set, and a task queued to take it out again). The stream
     * is the connection's (same listener, address, SNI and client certificate): its proxy handler is handed the
     * connection, so the stream channel carries no attributes.
     */
    @ChannelHandler.Sharable
    private static final class StreamHandlers extends ChannelHandlerAdapter {
        private final ForwardingContext fc;
        private final String listenerName;
        private final InboundConnection conn;

        StreamHandlers(ForwardingContext fc, String listenerName, InboundConnection conn) {
            this.fc = fc;
            this.listenerName = listenerName;
            this.conn = conn;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.channel().config().setAutoRead(false);
            ChannelPipeline sp = ctx.pipeline();
            sp.addLast("h2-stream", new ClientStreamCodec(RequestValidator::problem));
            sp.addLast("proxy", new HttpProxyHandler(fc, listenerName, conn));
            sp.remove(this);
        }
    }

    /** Drain and idle on the connection: GOAWAY, then close once the open streams are done. */
    private static final class ConnectionEvents extends ChannelInboundHandlerAdapter {
        private final Http2FrameCodec codec;

        ConnectionEvents(Http2FrameCodec codec) {
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
                // a connection error the codec shows us before it handles it: it sends GOAWAY with the error's code
                // (ENHANCE_YOUR_CALM for a rapid reset) and closes. Closing first would start a graceful close
                // whose GOAWAY says NO_ERROR, and the codec's own GOAWAY would then never be sent.
                return;
            }
            ctx.close();
        }
    }
}
