package io.mtlsproxy.core.relay;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.net.OutputShutdown;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * Two connected channels of one event loop joined into a byte stream each way: what the client sends goes to the
 * origin and back, untouched (TCP routes after TLS termination, WebSocket after the 101).
 * <ul>
 * <li><b>Backpressure</b>, read-after-write: a side is read only while the other side is writable, so at most a
 * write buffer's worth plus one read sits in the proxy per direction.</li>
 * <li><b>Half-close</b>: when one side finishes sending (a TCP FIN, or a TLS close_notify), the other side's output
 * is shut down (close_notify, then FIN) and the opposite direction keeps flowing until it finishes too. Except when
 * that side's TLS engine answered the close_notify by closing its own output: then both directions end.</li>
 * <li><b>Idle</b>: an {@link IdleStateEvent} from either pipeline (the listener's {@code idle-timeout}) closes
 * both.</li>
 * </ul>
 * The outcome (bytes each way, the first error) is reported once, when both channels are closed.
 */
public final class ByteRelay {
    /** Told once, after both channels closed. */
    public interface Outcome {
        void closed(long clientToOrigin, long originToClient, Throwable cause);
    }

    private final Side client;
    private final Side origin;
    private final Outcome outcome;
    private Throwable cause;
    private int open = 2;

    private ByteRelay(Channel clientChannel, Channel originChannel, Outcome outcome) {
        this.outcome = requireNonNull(outcome, "outcome");
        this.client = new Side(clientChannel);
        this.origin = new Side(originChannel);
        client.peer = origin;
        origin.peer = client;
    }

    /**
     * Adds a handler named {@code "relay"} at the end of each pipeline (whatever was there for HTTP must be gone)
     * and starts reading both. Both channels must be active and share one event loop; call on that loop.
     * {@code clientDone}: the client had already finished sending (its FIN or close_notify came before the origin
     * was connected); it is not read again, and the origin's sending side is shut at once.
     */
    public static ByteRelay join(Channel client, Channel origin, boolean clientDone, Outcome outcome) {
        if (client.eventLoop() != origin.eventLoop()) {
            throw new IllegalArgumentException("the two channels of a relay must share an event loop");
        }
        ByteRelay relay = new ByteRelay(client, origin, outcome);
        for (Side s : new Side[] {relay.client, relay.origin}) {
            s.channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
            s.channel.config().setAutoRead(false);
            s.channel.closeFuture().addListener(f -> relay.sideClosed());
            s.channel.pipeline().addLast("relay", s);
        }
        if (!client.isActive() || !origin.isActive()) {
            relay.client.closeAfterFlush();
            relay.origin.closeAfterFlush();
            return relay;
        }
        relay.origin.read();
        if (clientDone || inputShut(client)) {
            relay.client.inputFinished();
        } else {
            relay.client.read();
        }
        return relay;
    }

    private void sideClosed() {
        if (--open == 0) {
            outcome.closed(client.bytesRead, origin.bytesRead, cause);
        }
    }

    /** With epoll, asking a channel whose input is shut down for a read closes it: never ask. */
    private static boolean inputShut(Channel ch) {
        return ch instanceof DuplexChannel d && d.isInputShutdown();
    }

    /**
     * Whether this channel's TLS engine has closed its sending side by itself. Netty's BoringSSL engine
     * ({@code ReferenceCountedOpenSslEngine}) closes both directions as soon as it reads a close_notify, whatever
     * the TLS version; the JDK's engine does so on TLS 1.2 only (RFC 5246 §7.2.1) and keeps TLS 1.3's half-close
     * (RFC 8446 §6.1).
     */
    private static boolean tlsOutputClosed(Channel ch) {
        SslHandler ssl = ch.pipeline().get(SslHandler.class);
        return ssl != null && ssl.engine().isOutboundDone();
    }

    private final class Side extends ChannelInboundHandlerAdapter {
        final Channel channel;
        Side peer;
        long bytesRead;
        boolean inputDone;
        boolean outputShut;
        boolean paused;

        Side(Channel channel) {
            this.channel = channel;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf buf)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            bytesRead += buf.readableBytes();
            if (peer.outputShut || !peer.channel.isActive()) {
                buf.release();
                return;
            }
            peer.channel.write(buf, peer.channel.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            peer.channel.flush();
            if (inputDone) {
                return;
            }
            if (peer.channel.isWritable()) {
                read();
            } else {
                paused = true; // resumed when the peer drains (channelWritabilityChanged below)
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (channel.isWritable() && peer.paused && !peer.inputDone) {
                peer.paused = false;
                peer.read();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent || evt instanceof SslCloseCompletionEvent) {
                inputFinished();
            } else if (evt instanceof IdleStateEvent) {
                closeBoth();
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            inputDone = true;
            outputShut = true;
            peer.closeAfterFlush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable t) {
            if (cause == null) {
                cause = t;
            }
            closeBoth();
        }

        void read() {
            if (!inputDone && !inputShut(channel)) {
                channel.read();
            }
        }

        /** This side sent all it will send: tell the other side, and close once both directions are done. */
        private void inputFinished() {
            if (inputDone) {
                return;
            }
            inputDone = true;
            if (tlsOutputClosed(channel)) {
                // the TLS engine answered the close_notify with its own and will send nothing more (BoringSSL
                // always, any engine on TLS 1.2; see docs/protocols.md): nothing the other side could still send
                // can reach this one, so the relay is over; the other side gets what was read, then its FIN
                outputShut = true;
            }
            if (peer.inputDone || outputShut) {
                closeBoth();
            } else {
                peer.shutdownOutput();
            }
        }

        private void shutdownOutput() {
            if (outputShut) {
                return;
            }
            outputShut = true;
            channel.flush();
            SslHandler ssl = channel.pipeline().get(SslHandler.class);
            if (ssl != null) {
                // close_notify first: for TLS the end of the stream is a record, the FIN only follows it
                ssl.closeOutbound().addListener(f -> shutdownSocketOutput());
            } else {
                shutdownSocketOutput();
            }
        }

        private void shutdownSocketOutput() {
            if (channel instanceof DuplexChannel duplex && channel.isActive()) {
                OutputShutdown.afterWrites(channel, duplex);
            } else {
                channel.close();
            }
        }

        private void closeAfterFlush() {
            if (channel.isActive()) {
                channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }

        private void closeBoth() {
            closeAfterFlush();
            peer.closeAfterFlush();
        }
    }
}
