package io.mtlsproxy.core.h2;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameLogger;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.logging.LogLevel;

/**
 * Answers a client's HEADERS frame on a stream it can no longer use as RFC 9113 §5.1 asks, where Netty's codec
 * answers otherwise (found by h2spec, cases 5.1/6, 5.1/12 and 5.1.1/2):
 * <ul>
 * <li>on a stream the client ended (half-closed remote): a stream error STREAM_CLOSED, not PROTOCOL_ERROR;</li>
 * <li>on a stream that closed after the client ended it, with no reset either way: a connection error
 * STREAM_CLOSED, not a reset of that stream alone;</li>
 * <li>on a stream identifier lower than one the client used before, which it never opened: a connection error
 * PROTOCOL_ERROR (§5.1.1), where Netty, which keeps nothing of closed streams, resets it and serves on.</li>
 * </ul>
 * A stream that was reset by either side keeps Netty's answer (a reset): the client may have sent frames before it
 * saw the proxy's reset, and those must not cost it the connection. Nothing is decided once a GOAWAY is out.
 * <p>
 * Netty offers no hook between its frame reader and the decoder's state checks other than the frame logger, so this
 * is one: it sees every frame of the connection in order (inbound after HPACK decoding, before the decoder acts on
 * it), remembers the fate of the client's last {@link #WINDOW} streams in two bit rings (older ones get Netty's
 * answer), and refuses a frame by throwing the HTTP/2 error, which the codec answers as if it had found it itself.
 */
public final class StreamStates extends Http2FrameLogger {
    /** Streams remembered per connection: plenty for a frame racing a close, 64 bytes of memory. */
    static final int WINDOW = 256;

    private final long[] opened = new long[WINDOW / 64];
    private final long[] reset = new long[WINDOW / 64];
    private int highest; // the highest stream identifier the client sent HEADERS on

    public StreamStates() {
        super(LogLevel.TRACE, StreamStates.class);
    }

    @Override
    public void logHeaders(
            Direction direction,
            ChannelHandlerContext ctx,
            int streamId,
            Http2Headers headers,
            int padding,
            boolean endStream) {
        super.logHeaders(direction, ctx, streamId, headers, padding, endStream);
        if (direction == Direction.INBOUND) {
            inboundHeaders(ctx, streamId);
        }
    }

    @Override
    public void logHeaders(
            Direction direction,
            ChannelHandlerContext ctx,
            int streamId,
            Http2Headers headers,
            int streamDependency,
            short weight,
            boolean exclusive,
            int padding,
            boolean endStream) {
        super.logHeaders(direction, ctx, streamId, headers, streamDependency, weight, exclusive, padding, endStream);
        if (direction == Direction.INBOUND) {
            inboundHeaders(ctx, streamId);
        }
    }

    @Override
    public void logRstStream(Direction direction, ChannelHandlerContext ctx, int streamId, long errorCode) {
        super.logRstStream(direction, ctx, streamId, errorCode);
        if (remembered(streamId)) {
            set(reset, streamId);
        }
    }

    private void inboundHeaders(ChannelHandlerContext ctx, int streamId) {
        Http2Connection connection = ((Http2ConnectionHandler) ctx.handler()).connection();
        if (connection.goAwaySent() || connection.goAwayReceived() || (streamId & 1) == 0) {
            return; // Netty's rules for streams past a GOAWAY, and for even identifiers (a connection error)
        }
        Http2Stream stream = connection.stream(streamId);
        if (stream != null) {
            if (stream.state() == Http2Stream.State.HALF_CLOSED_REMOTE) {
                throw refuse(Http2Exception.streamError(
                        streamId, Http2Error.STREAM_CLOSED, "HEADERS on stream %d, which the client ended", streamId));
            }
            return;
        }
        if (streamId > highest) {
            open(streamId);
            return;
        }
        if (!remembered(streamId)) {
            return;
        }
        if (!isSet(opened, streamId)) {
            throw refuse(Http2Exception.connectionError(
                    Http2Error.PROTOCOL_ERROR,
                    "HEADERS on stream %d after stream %d: stream identifiers must increase",
                    streamId,
                    highest));
        }
        if (!isSet(reset, streamId)) {
            throw refuse(Http2Exception.connectionError(
                    Http2Error.STREAM_CLOSED,
                    "HEADERS on stream %d, which the client ended and which is closed",
                    streamId));
        }
    }

    /** A new stream: the identifiers skipped on the way were never opened (at most a window of them to clear). */
    private void open(int streamId) {
        for (int skipped = Math.max(highest + 2, streamId - 2 * WINDOW); skipped < streamId; skipped += 2) {
            clear(opened, skipped);
            clear(reset, skipped);
        }
        set(opened, streamId);
        clear(reset, streamId);
        highest = streamId;
    }

    private boolean remembered(int streamId) {
        return streamId <= highest && streamId > highest - 2 * WINDOW && (streamId & 1) == 1;
    }

    private static int slot(int streamId) {
        return (streamId >>> 1) % WINDOW;
    }

    private static boolean isSet(long[] ring, int streamId) {
        int s = slot(streamId);
        return (ring[s >>> 6] & (1L << s)) != 0;
    }

    private static void set(long[] ring, int streamId) {
        int s = slot(streamId);
        ring[s >>> 6] |= 1L << s;
    }

    private static void clear(long[] ring, int streamId) {
        int s = slot(streamId);
        ring[s >>> 6] &= ~(1L << s);
    }

    /**
     * Throws the HTTP/2 error itself out of the logger, whose methods may not declare it: the frame reader must see
     * an {@code Http2Exception}, as it would from the decoder. Any other exception marks the reader failed, and it
     * then drops everything the connection sends after a mere stream error (the connection hangs).
     */
    private static RuntimeException refuse(Http2Exception error) {
        return StreamStates.<RuntimeException>sneaky(error);
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> T sneaky(Throwable error) throws T {
        throw (T) error;
    }
}
