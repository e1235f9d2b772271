package io.mtlsproxy.core.forward;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.h2.HeadConversion;
import io.mtlsproxy.core.h2.ServerConnection;
import io.mtlsproxy.core.inbound.InboundConnection;
import io.mtlsproxy.core.inbound.RequestValidator;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2EventAdapter;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayDeque;
import java.util.ArrayList;

/**
 * The requests of a client's HTTP/2 connection, taken from its frames: the connection's frame listener. A HEADERS
 * frame that opens a stream becomes a request head ({@link HeadConversion}), checked against HTTP/1.1's rules
 * ({@link RequestValidator}: a request that breaks them is answered 400) and started as an HTTP/1.1 request is
 * ({@link RequestStart}), by the stream's {@link H2RequestStream}; DATA frames become its body; trailers end the body
 * and go no further, as HTTP/1.1's do. A stream is no channel: no pipeline, no registration, no handler context.
 * Stream errors (malformed frames, a request that cannot be carried as HTTP/1.1) are RST_STREAM with their own code,
 * sent by the connection handler.
 */
public final class H2Requests extends Http2EventAdapter {
    private final ForwardingContext fc;
    private final String listenerName;
    private final InboundConnection conn;
    /** the streams whose request body got pieces in the current read: the read's end sends them to the origins */
    private final ArrayList<H2RequestStream> unflushed = new ArrayList<>();

    /** response-timeouts whose streams closed, each with its timer still pending: the next streams take them over */
    private final ArrayDeque<StreamTimeout> idleTimeouts = new ArrayDeque<>();

    private ServerConnection handler;
    private Http2Connection.PropertyKey key;
    private boolean closed;

    public H2Requests(ForwardingContext fc, String listenerName, InboundConnection conn) {
        this.fc = requireNonNull(fc, "fc");
        this.listenerName = requireNonNull(listenerName, "listenerName");
        this.conn = requireNonNull(conn, "conn");
    }

    /** Takes the connection's frames and stream events; {@code handler} was built with this as frame listener. */
    public void attach(ServerConnection handler) {
        this.handler = handler;
        Http2Connection connection = handler.connection();
        key = connection.newKey();
        connection.addListener(this);
        handler.onReadComplete(this::flushUpstream);
        handler.encoder().flowController().listener(stream -> {
            H2RequestStream s = stream.getProperty(key);
            if (s != null) {
                s.writabilityChanged();
            }
        });
    }

    /** {@code s} wrote to its origin in this read. */
    void unflushed(H2RequestStream s) {
        unflushed.add(s);
    }

    private void flushUpstream() {
        for (int i = 0; i < unflushed.size(); i++) {
            unflushed.get(i).flushUpstream();
        }
        unflushed.clear();
    }

    /**
     * A response-timeout for {@code s}: one a closed stream left, with its timer, when there is one. As on an
     * HTTP/1.1 keep-alive connection, the timer is not scheduled and cancelled per request: it stays, and checks the
     * clock of whichever stream holds it when it fires.
     */
    StreamTimeout timeout(H2RequestStream s) {
        StreamTimeout t = idleTimeouts.poll();
        if (t == null) {
            t = new StreamTimeout(handler.context().executor());
        }
        t.user = s;
        return t;
    }

    /** {@code s}'s stream closed: its timeout waits for the next stream (its timer finds nothing armed meanwhile). */
    void release(StreamTimeout t) {
        t.timeout.cancel();
        t.user = null;
        if (closed) {
            t.timeout.stop();
        } else {
            idleTimeouts.add(t);
        }
    }

    /** The connection closed: the timers left go too. */
    public void connectionClosed() {
        closed = true;
        StreamTimeout t;
        while ((t = idleTimeouts.poll()) != null) {
            t.timeout.stop();
        }
    }

    ForwardingContext fc() {
        return fc;
    }

    String listenerName() {
        return listenerName;
    }

    InboundConnection connection() {
        return conn;
    }

    ServerConnection handler() {
        return handler;
    }

    /** A stream's {@link ResponseTimeout}, handed from stream to stream of one connection. */
    static final class StreamTimeout implements Runnable {
        final ResponseTimeout timeout;
        private H2RequestStream user;

        StreamTimeout(EventExecutor loop) {
            timeout = new ResponseTimeout(loop, this);
        }

        @Override
        public void run() {
            if (user != null) {
                user.responseTimedOut();
            }
        }
    }

    @Override
    public void onHeadersRead(
            ChannelHandlerContext ctx,
            int streamId,
            Http2Headers headers,
            int streamDependency,
            short weight,
            boolean exclusive,
            int padding,
            boolean endOfStream)
            throws Http2Exception {
        onHeadersRead(ctx, streamId, headers, padding, endOfStream);
    }

    @Override
    public void onHeadersRead(
            ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding, boolean endOfStream)
            throws Http2Exception {
        Http2Stream stream = handler.connection().stream(streamId);
        if (stream == null) {
            return; // closed by the decoder meanwhile
        }
        H2RequestStream s = stream.getProperty(key);
        if (s != null) {
            if (headers.method() != null || !endOfStream) {
                throw Http2Exception.streamError(
                        streamId, Http2Error.PROTOCOL_ERROR, "a second request head on stream %d", streamId);
            }
            // request trailers end the body and go no further, as on HTTP/1.1 (RequestValidator): the proxy
            // decided on the headers before they came
            s.bodyEnd();
            return;
        }
        HttpRequest req = head(streamId, headers);
        if (!endOfStream && !HttpUtil.isContentLengthSet(req)) {
            req.headers().add(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        s = new H2RequestStream(this, stream);
        stream.setProperty(key, s);
        try {
            s.start(req, endOfStream);
        } catch (RuntimeException e) {
            throw failed(streamId, e);
        }
    }

    /** A fault of the proxy's own on one stream costs that stream (reset INTERNAL_ERROR), not the connection. */
    private static Http2Exception failed(int streamId, RuntimeException e) {
        return Http2Exception.streamError(streamId, Http2Error.INTERNAL_ERROR, e, "%s", e);
    }

    /** The request head, as HTTP/1.1; a failed decode when it breaks HTTP/1.1's rules (dot-segments, h2c, ...). */
    private static HttpRequest head(int streamId, Http2Headers headers) throws Http2Exception {
        HttpRequest req;
        try {
            req = HeadConversion.request(streamId, headers);
        } catch (RuntimeException e) {
            throw Http2Exception.streamError(streamId, Http2Error.PROTOCOL_ERROR, e, "%s", e.getMessage());
        }
        String problem = RequestValidator.problem(req); // the same rules as HTTP/1.1
        if (problem != null) {
            req.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(problem)));
        }
        return req;
    }

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream)
            throws Http2Exception {
        Http2Stream stream = handler.connection().stream(streamId);
        H2RequestStream s = stream == null ? null : stream.getProperty(key);
        if (s == null) {
            return data.readableBytes() + padding;
        }
        try {
            return s.data(data, padding, endOfStream);
        } catch (RuntimeException e) {
            throw failed(streamId, e);
        }
    }

    @Override
    public void onStreamClosed(Http2Stream stream) {
        H2RequestStream s = stream.removeProperty(key);
        if (s != null) {
            s.closed();
        }
    }
}
