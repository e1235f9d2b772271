package io.mtlsproxy.core.h2;

import io.mtlsproxy.config.Limits;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2FrameLogger;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.AsciiString;

/**
 * The HTTP/2 connection codecs of both sides, with the protections a server exposed to clients needs.
 * <ul>
 * <li><b>Concurrent streams</b>: at most {@link #MAX_CONCURRENT_STREAMS} per client connection (a stream opened
 * past it is refused with RST_STREAM REFUSED_STREAM by the codec).</li>
 * <li><b>Header list size</b>: the listener's {@code max-header-size}, enforced by the HPACK decoder over a
 * HEADERS frame and all its CONTINUATION frames together; a header block past it is refused (431 semantics, a
 * stream or connection error), so CONTINUATION floods cannot grow memory. Runs of tiny CONTINUATION frames are
 * cut off too ({@code decoderEnforceMaxSmallContinuationFrames}).</li>
 * <li><b>Rapid reset</b> (CVE-2023-44487): a client that resets more than {@link #MAX_RST_PER_WINDOW} streams
 * within {@link #RST_WINDOW_SECONDS} seconds gets GOAWAY (ENHANCE_YOUR_CALM) and is closed; each reset stream
 * costs the proxy at most one origin stream or request, cancelled with it.</li>
 * <li><b>Empty DATA floods</b> are bounded by Netty's default (kept on); <b>control frame floods</b> (SETTINGS/PING
 * acks the client never reads) by {@link ControlFloodGuard}.</li>
 * <li><b>Malformed requests</b>: header validation and required pseudo-headers are on, so the codec resets them
 * (PROTOCOL_ERROR), and every stream error is answered with RST_STREAM and its own code.</li>
 * <li><b>Header table</b>: the request ID of each answer is never indexed ({@link #server}).</li>
 * <li><b>Stream states</b>: HEADERS on a stream the client ended or never opened is answered as RFC 9113 §5.1 asks
 * ({@link StreamStates}).</li>
 * </ul>
 */
public final class H2Codecs {
    public static final int MAX_CONCURRENT_STREAMS = 128;
    public static final int MAX_RST_PER_WINDOW = 200;
    public static final int RST_WINDOW_SECONDS = 30;
    /** How long a GOAWAY'd connection (drain, idle) waits for its streams before it closes. */
    private static final long GRACEFUL_SHUTDOWN_MILLIS = 30_000;
    /** Streams' flushes held back at most, before the connection is flushed anyway. */
    private static final int FLUSH_BATCH_LIMIT = 256;

    private H2Codecs() {}

    /**
     * The handler of a client connection that negotiated h2, whose frames go to {@code streams} (after
     * {@link ControlFloodGuard}). {@code uniquePerResponse} names the header whose value is new in every answer (the
     * request ID): HPACK sends it as a literal never indexed, so that it does not fill the connection's header table,
     * where each new value would push out the entries the next answers reuse ({@code server}, {@code content-type},
     * ...) and cost an insertion and an eviction per answer.
     */
    public static ServerConnection server(Limits limits, CharSequence uniquePerResponse, Http2FrameListener streams) {
        long maxHeaderList = Math.max(1024, Math.min(Integer.MAX_VALUE, limits.maxHeaderSize()));
        return new ServerBuilder()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                        .maxHeaderListSize(maxHeaderList))
                .validateHeaders(true)
                // a request without :method, :scheme or :path is malformed (RFC 9113 §8.3.1): reset by the codec,
                // not guessed at by the HTTP/1.1 translation (which hangs or fills in a default)
                .validateRequiredPseudoHeaders(true)
                .decoderEnforceMaxRstFramesPerWindow(MAX_RST_PER_WINDOW, RST_WINDOW_SECONDS)
                .gracefulShutdownTimeoutMillis(GRACEFUL_SHUTDOWN_MILLIS)
                .frameLogger(new StreamStates()) // HEADERS on streams the client cannot use, as RFC 9113 asks
                .headerSensitivityDetector(neverIndexed(uniquePerResponse))
                .frameListener(new ControlFloodGuard(streams))
                .build();
    }

    /** Marks {@code name} (any case) for HPACK's never-indexed literal, and no other header. */
    static Http2HeadersEncoder.SensitivityDetector neverIndexed(CharSequence name) {
        AsciiString n = AsciiString.of(name);
        return (header, value) -> n.contentEqualsIgnoreCase(header);
    }

    /**
     * A client connection's handler whose streams take turns at the connection's window without RFC 7540's priority
     * tree (which RFC 9113 deprecates, and which no client of the proxy sends): Netty's default distributor keeps that
     * tree and re-sorts it for every frame written, a few per cent of an HTTP/2 request's time.
     */
    private static final class ServerBuilder
            extends AbstractHttp2ConnectionHandlerBuilder<ServerConnection, ServerBuilder> {
        ServerBuilder() {
            Http2Connection connection = new DefaultHttp2Connection(true);
            connection
                    .remote()
                    .flowController(new DefaultHttp2RemoteFlowController(
                            connection, new UniformStreamByteDistributor(connection)));
            connection(connection);
        }

        @Override
        public ServerBuilder initialSettings(Http2Settings settings) {
            return super.initialSettings(settings);
        }

        @Override
        public ServerBuilder validateHeaders(boolean validate) {
            return super.validateHeaders(validate);
        }

        @Override
        public ServerBuilder validateRequiredPseudoHeaders(boolean validate) {
            return super.validateRequiredPseudoHeaders(validate);
        }

        @Override
        public ServerBuilder decoderEnforceMaxRstFramesPerWindow(int maxRst, int seconds) {
            return super.decoderEnforceMaxRstFramesPerWindow(maxRst, seconds);
        }

        @Override
        public ServerBuilder gracefulShutdownTimeoutMillis(long millis) {
            return super.gracefulShutdownTimeoutMillis(millis);
        }

        @Override
        public ServerBuilder frameLogger(Http2FrameLogger logger) {
            return super.frameLogger(logger);
        }

        @Override
        public ServerBuilder headerSensitivityDetector(Http2HeadersEncoder.SensitivityDetector detector) {
            return super.headerSensitivityDetector(detector);
        }

        @Override
        public ServerBuilder frameListener(Http2FrameListener listener) {
            return super.frameListener(listener);
        }

        @Override
        public ServerConnection build() {
            return super.build();
        }

        @Override
        protected ServerConnection build(
                Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings) {
            return new ServerConnection(decoder, encoder, settings);
        }
    }

    /**
     * The codec of an origin connection (h2 by ALPN, or h2c by prior knowledge). Server push stays off. Streams past
     * the origin's SETTINGS_MAX_CONCURRENT_STREAMS (often 100) wait in the codec until one of the origin's streams
     * ends: without that, a burst of requests to a new connection (they all wait for it to connect, then open their
     * streams at once) had every stream past the limit fail as a 502, and the connection went on refusing new
     * streams afterwards. A connection at its limit takes no new requests ({@code H2Connections} opens another).
     */
    public static Http2FrameCodec client() {
        return Http2FrameCodecBuilder.forClient()
                .initialSettings(
                        Http2Settings.defaultSettings().pushEnabled(false).maxHeaderListSize(64 * 1024))
                .encoderEnforceMaxConcurrentStreams(true)
                .validateHeaders(true)
                .gracefulShutdownTimeoutMillis(GRACEFUL_SHUTDOWN_MILLIS)
                .build();
    }

    /**
     * Goes between a connection's frame codec and its stream multiplexer. A stream writes when bytes for it arrive
     * from its other side (the origin for a client's stream, the client for an origin's), outside this connection's
     * own read, so the multiplexer's read-complete batching does not apply and every stream would flush the
     * connection by itself: one TLS record and one write(2) each. This holds the streams' flushes until the event
     * loop has handled everything that was ready (a task queued behind it, no timer; at most
     * {@link #FLUSH_BATCH_LIMIT} flushes), so ten answers ready together leave as one record and one write.
     */
    public static ChannelHandler streamFlushBatcher() {
        return new FlushConsolidationHandler(FLUSH_BATCH_LIMIT, true);
    }

    /**
     * Adds {@code te: trailers} to every request sent to an origin over HTTP/2: the only TE value HTTP/2 allows, it
     * says the proxy passes trailers through, and gRPC servers expect it (the HTTP/1.1 path strips TE as hop-by-hop).
     */
    public static ChannelHandler trailersTe() {
        return TrailersTe.INSTANCE;
    }

    @ChannelHandler.Sharable
    private static final class TrailersTe extends ChannelOutboundHandlerAdapter {
        static final TrailersTe INSTANCE = new TrailersTe();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof HttpRequest req) {
                req.headers().set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
            }
            ctx.write(msg, promise);
        }
    }
}
