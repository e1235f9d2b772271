package io.mtlsproxy.bench.load;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/2 connection of the load generator, on one event loop: connects, handshakes, insists on {@code h2} by
 * ALPN (anything else fails the row: no fallback to HTTP/1.1), then keeps {@code http2Streams} requests in flight,
 * each stream a closed loop of its own: when a stream's answer ends (END_STREAM), the next request goes out on a
 * new stream. Latency per request: HEADERS written → END_STREAM read.
 *
 * <p>Light on allocation, because it shares a core with the origin: one {@link H2Exchange} per concurrent stream,
 * made once and reused; stream ids map to them in a primitive-keyed map; the request headers are one object, never
 * changed, HPACK-indexed after the first request; writes made while reading are flushed once per read
 * ({@link Http2ConnectionHandler} flushes on read-complete). What Netty's codec allocates per stream remains.
 *
 * <p>Errors: an answer outside 2xx or of the wrong length as on HTTP/1.1 (status, body); RST_STREAM from the peer,
 * a stream cut off by GOAWAY, or the connection closing under a stream: reset; GOAWAY itself during the run:
 * goaway (the connection then finishes its streams and is replaced); no END_STREAM within the request timeout:
 * timeout (the stream is cancelled and replaced).
 */
final class H2Driver extends ConnectionSlot {
    private static final AsciiString OK = HttpResponseStatus.OK.codeAsText();

    private final Http2Headers request;
    private final H2Exchange[] exchanges;
    private final ArrayDeque<H2Exchange> free;
    /** Stream id → its exchange, for the streams in flight on the current connection. */
    private final IntObjectHashMap<H2Exchange> inFlight;

    private Http2ConnectionHandler h2;
    private ChannelHandlerContext h2Context;
    /** The peer sent GOAWAY: no new stream on this connection; it is replaced once its streams have ended. */
    private boolean draining;

    H2Driver(LoopContext ctx) {
        super(ctx);
        this.request = new DefaultHttp2Headers()
                .method(AsciiString.cached("GET"))
                .scheme(AsciiString.cached("https"))
                .authority(new AsciiString(spec.serverName()))
                .path(new AsciiString(spec.path()))
                .add(AsciiString.cached("user-agent"), AsciiString.cached("mtls-bench"));
        this.exchanges = new H2Exchange[spec.http2Streams()];
        this.free = new ArrayDeque<>(exchanges.length);
        this.inFlight = new IntObjectHashMap<>(exchanges.length * 2);
        for (int i = 0; i < exchanges.length; i++) {
            exchanges[i] = new H2Exchange();
            free.add(exchanges[i]);
        }
        pipeline(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                SslHandler ssl = spec.tls().orElseThrow().newHandler(ch.alloc(), spec.serverName(), spec.port());
                ssl.setHandshakeTimeout(spec.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
                ch.pipeline().addLast("tls", ssl);
                // "h2" goes in front of this one once ALPN said h2
                ch.pipeline().addLast("events", new ConnectionEvents(ch));
            }
        });
    }

    @Override
    boolean wantsConnection(long now) {
        return !ctx.clock.over(now);
    }

    @Override
    void connected(Channel ch, SslHandler ssl) {
        String alpn = ssl.applicationProtocol();
        if (!ApplicationProtocolNames.HTTP_2.equals(alpn)) {
            // Every connection of the row would hear the same: this one stops, without retrying.
            ctx.errors.tls++;
            ctx.error("no HTTP/2: the peer chose " + (alpn == null ? "no protocol" : "'" + alpn + "'")
                    + " by ALPN (expected: h2)");
            finish();
            return;
        }
        lastAttemptFailed = false;
        try {
            speakHttp2(ch);
        } catch (RuntimeException e) {
            // A bug of the harness, not of the peer: said once, in the row's note, instead of a stuck connection.
            ctx.error("load generator: " + e);
            finish();
        }
    }

    private void speakHttp2(Channel ch) {
        // The client sends no DATA, so the default weighted-fair distributor's per-stream priority state (a tenth
        // of what the codec allocated per request, JFR) buys nothing: the uniform one keeps none per stream.
        Http2Connection connection = new DefaultHttp2Connection(false);
        connection
                .remote()
                .flowController(
                        new DefaultHttp2RemoteFlowController(connection, new UniformStreamByteDistributor(connection)));
        h2 = new Http2ConnectionHandlerBuilder()
                .connection(connection) // a client's
                .frameListener(new H2Answers(this))
                .initialSettings(Http2Settings.defaultSettings().pushEnabled(false))
                // more streams than the peer's SETTINGS_MAX_CONCURRENT_STREAMS wait in the client, as in h2load
                .encoderEnforceMaxConcurrentStreams(true)
                // closing is only done with no stream left, or on purpose at the deadline: no graceful wait
                .gracefulShutdownTimeoutMillis(0)
                .build();
        ch.pipeline().addBefore("events", "h2", h2); // writes the connection preface
        h2Context = ch.pipeline().context(h2);
        H2Exchange e;
        while (!draining && !ctx.clock.over(System.nanoTime()) && (e = free.poll()) != null) {
            send(e);
        }
        ch.flush();
    }

    /** Opens a stream for {@code e}'s next request; not flushed (the read that triggered it flushes). */
    private void send(H2Exchange e) {
        int id = h2.connection().local().incrementAndGetNextStreamId();
        if (id < 0) { // stream ids used up (2^30 requests): this connection ends when its streams have
            draining = true;
            free.add(e);
            return;
        }
        e.open(id, System.nanoTime());
        inFlight.put(id, e);
        h2.encoder().writeHeaders(h2Context, id, request, 0, true, h2Context.voidPromise());
    }

    // ---- the answers, from H2Answers ---------------------------------------------------------------------

    void headers(int streamId, CharSequence status, boolean endOfStream) {
        H2Exchange e = inFlight.get(streamId);
        if (e == null) {
            return;
        }
        if (status != null) { // trailers have no :status; an informational head is followed by the final one
            int code = statusCode(status);
            e.status = code >= 100 && code < 200 ? 0 : code;
        }
        if (endOfStream) {
            ended(e);
        }
    }

    void data(int streamId, int bytes, boolean endOfStream) {
        H2Exchange e = inFlight.get(streamId);
        if (e == null) {
            return;
        }
        e.bodyBytes += bytes;
        if (endOfStream) {
            ended(e);
        }
    }

    void reset(int streamId, long errorCode) {
        H2Exchange e = inFlight.remove(streamId);
        if (e == null) {
            return;
        }
        ctx.errors.reset++;
        ctx.error("stream reset by the peer (RST_STREAM " + errorName(errorCode) + ")");
        next(e);
    }

    void goAway(int lastStreamId, long errorCode) {
        if (finished) {
            return;
        }
        ctx.errors.goaway++;
        ctx.error("GOAWAY from the peer (" + errorName(errorCode) + ", last stream " + lastStreamId + ")");
        draining = true;
        for (H2Exchange e : exchanges) {
            if (e.active && e.streamId > lastStreamId) { // never processed: the peer says so
                inFlight.remove(e.streamId);
                ctx.errors.reset++;
                next(e);
            }
        }
    }

    private void ended(H2Exchange e) {
        inFlight.remove(e.streamId);
        ctx.completed(e.sentAt, System.nanoTime(), e.status, e.bodyBytes);
        next(e);
    }

    /** The stream of {@code e} is over: the next request on a new stream, or this connection's end. */
    private void next(H2Exchange e) {
        e.active = false;
        if (!finished && !draining && channel != null && channel.isActive() && !ctx.clock.over(System.nanoTime())) {
            send(e);
            return;
        }
        free.add(e);
        if (inFlight.isEmpty() && !finished) {
            if (ctx.clock.over(System.nanoTime())) {
                finish();
            } else if (draining && channel != null) {
                channel.close(); // the peer's GOAWAY: closed() replaces the connection
            }
        }
    }

    // ---- the connection ---------------------------------------------------------------------------------

    private void closed(Channel ch) {
        if (ch != channel) {
            return;
        }
        channel = null;
        h2 = null;
        h2Context = null;
        draining = false; // a GOAWAY ends with its connection
        if (!inFlight.isEmpty()) {
            ctx.errors.reset += inFlight.size();
            ctx.error("connection closed under " + inFlight.size() + " streams");
            lastAttemptFailed = true;
            for (H2Exchange e : exchanges) {
                if (e.active) {
                    e.active = false;
                    free.add(e);
                }
            }
            inFlight.clear();
        }
        reconnect();
    }

    @Override
    public void checkTimeout(long now) {
        if (h2 == null || finished) {
            return;
        }
        long timeout = spec.requestTimeout().toNanos();
        boolean wrote = false;
        for (H2Exchange e : exchanges) {
            if (e.active && now - e.sentAt > timeout && !finished) {
                inFlight.remove(e.streamId);
                ctx.errors.timeout++;
                ctx.error("no END_STREAM within " + spec.requestTimeout().toMillis() + " ms");
                // through the encoder: a stream still waiting in it for the peer's concurrency limit is dropped
                // there instead of being reset on the wire as an idle stream (a protocol error)
                h2.encoder().writeRstStream(h2Context, e.streamId, Http2Error.CANCEL.code(), h2Context.voidPromise());
                next(e);
                wrote = true;
            }
        }
        if (wrote && channel != null) {
            channel.flush();
        }
    }

    @Override
    public void abort() {
        abortWith(() -> {
            if (!inFlight.isEmpty()) {
                ctx.errors.timeout += inFlight.size();
                ctx.error(inFlight.size() + " streams still waiting for an answer at the deadline");
                inFlight.clear();
            }
        });
    }

    static int statusCode(CharSequence status) {
        if (OK.contentEquals(status)) {
            return 200;
        }
        try {
            return Integer.parseInt(status.toString());
        } catch (NumberFormatException e) {
            return -1; // not 2xx: a status error
        }
    }

    private static String errorName(long code) {
        Http2Error error = Http2Error.valueOf(code);
        return error == null ? "error " + code : error.name();
    }

    /** The tail of the pipeline: the connection's end and its errors. */
    private final class ConnectionEvents extends ChannelInboundHandlerAdapter {
        private final Channel ch;

        ConnectionEvents(Channel ch) {
            this.ch = ch;
        }

        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) {
            // Nothing gets here: "h2" is added by the handshake listener, which runs before the SslHandler passes on
            // what followed the handshake, and it reads every frame.
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext c) {
            closed(ch);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
            if (ch == channel) {
                ctx.error(cause.toString());
            }
            ch.close();
        }
    }
}
