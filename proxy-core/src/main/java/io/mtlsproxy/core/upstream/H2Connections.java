package io.mtlsproxy.core.upstream;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.h2.FullMessageSplitter;
import io.mtlsproxy.core.h2.H2Codecs;
import io.mtlsproxy.core.metrics.UpstreamErrorReason;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/2 origin connections ({@code upstream.protocol = h2}): per event loop and endpoint, a few shared
 * connections (h2 by ALPN over tls/mtls, h2c by prior knowledge over plain) on which every request opens its own
 * stream. A stream is handed out as a {@link Channel} whose pipeline speaks HTTP objects and ends in an
 * {@link UpstreamHandler}, exactly like a pooled HTTP/1.1 connection, so one exchange serves both; it is closed
 * (never pooled) when its exchange ends. A new connection is opened only when every open one is at the origin's
 * SETTINGS_MAX_CONCURRENT_STREAMS or going away, and requests that arrive while one connects wait for it.
 */
final class H2Connections {
    private final UpstreamConnector connector;
    private final Duration idleTimeout;
    private final ConcurrentHashMap<EventExecutor, Map<UpstreamEndpoint, Entry>> loops = new ConcurrentHashMap<>();

    H2Connections(UpstreamConnector connector, Duration idleTimeout) {
        this.connector = requireNonNull(connector, "connector");
        this.idleTimeout = requireNonNull(idleTimeout, "idleTimeout");
    }

    /** A new stream to {@code endpoint}; fails with an {@link UpstreamFailure}. Call on {@code loop}. */
    Future<Channel> acquire(UpstreamCluster cluster, UpstreamEndpoint endpoint, EventLoop loop) {
        Promise<Channel> promise = loop.newPromise();
        Entry entry = loops.computeIfAbsent(loop, l -> new HashMap<>()).computeIfAbsent(endpoint, e -> new Entry());
        for (Channel parent : entry.ready) {
            if (canOpenStream(parent)) {
                openStream(parent, endpoint, promise);
                return promise;
            }
        }
        if (entry.connecting == null) {
            entry.connecting = connect(cluster, endpoint, loop, entry);
        }
        entry.connecting.addListener(f -> {
            if (f.isSuccess()) {
                openStream((Channel) f.getNow(), endpoint, promise);
            } else {
                promise.tryFailure(f.cause());
            }
        });
        return promise;
    }

    private Future<Channel> connect(UpstreamCluster cluster, UpstreamEndpoint endpoint, EventLoop loop, Entry entry) {
        Promise<Channel> connected = loop.newPromise();
        connector
                .open(cluster, endpoint, loop, ApplicationProtocolNames.HTTP_2, p -> {
                    p.addLast("h2", H2Codecs.client());
                    p.addLast("h2-flush", H2Codecs.streamFlushBatcher());
                    p.addLast("h2-streams", new Http2MultiplexHandler(new RefusePush()));
                    p.addLast(
                            "idle",
                            new IdleStateHandler(
                                    0,
                                    0,
                                    UpstreamPools.idleTimeout(cluster, idleTimeout)
                                            .toMillis(),
                                    TimeUnit.MILLISECONDS));
                    p.addLast("h2-idle-close", new CloseWhenIdle());
                })
                .addListener(f -> {
                    entry.connecting = null;
                    if (!f.isSuccess()) {
                        connected.tryFailure(f.cause());
                        return;
                    }
                    Channel ch = (Channel) f.getNow();
                    ch.config()
                            .setAutoRead(true); // frames of every stream and the connection's own must always be read
                    entry.ready.add(ch);
                    ch.closeFuture().addListener(c -> entry.ready.remove(ch));
                    connected.trySuccess(ch);
                });
        return connected;
    }

    private static boolean canOpenStream(Channel parent) {
        Http2FrameCodec codec = parent.pipeline().get(Http2FrameCodec.class);
        return parent.isActive()
                && codec != null
                && !codec.connection().goAwayReceived()
                && codec.connection().local().canOpenStream();
    }

    private static void openStream(Channel parent, UpstreamEndpoint endpoint, Promise<Channel> promise) {
        new Http2StreamChannelBootstrap(parent)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        ch.config()
                                .setAutoRead(
                                        false); // read-after-write, as on HTTP/1.1: the stream window does the rest
                        ch.pipeline().addLast("h2-http", new Http2StreamFrameToHttpObjectCodec(false));
                        ch.pipeline().addLast("h2-split", FullMessageSplitter.INSTANCE);
                        ch.pipeline().addLast("h2-te", H2Codecs.trailersTe());
                        ch.pipeline().addLast("relay", new UpstreamHandler());
                    }
                })
                .open()
                .addListener(f -> {
                    if (f.isSuccess()) {
                        promise.trySuccess((Channel) f.getNow());
                    } else {
                        promise.tryFailure(new UpstreamFailure(
                                UpstreamErrorReason.RESET,
                                502,
                                "cannot open an HTTP/2 stream to origin " + endpoint + ": "
                                        + f.cause().getMessage(),
                                f.cause()));
                    }
                });
    }

    /**
     * Forgets the retired endpoints of {@code loop} and closes their connections: a close is a GOAWAY, so streams
     * in flight finish and no new one opens. Call on {@code loop}.
     */
    void evictRetired(EventExecutor loop) {
        Map<UpstreamEndpoint, Entry> m = loops.get(loop);
        if (m == null) {
            return;
        }
        for (Iterator<Map.Entry<UpstreamEndpoint, Entry>> it = m.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<UpstreamEndpoint, Entry> e = it.next();
            if (e.getKey().retired()) {
                it.remove();
                List.copyOf(e.getValue().ready).forEach(Channel::close);
            }
        }
    }

    /** Endpoints {@code loop} holds connections (or a connect) for (tests and diagnostics). */
    int endpoints(EventExecutor loop) {
        Map<UpstreamEndpoint, Entry> m = loops.get(loop);
        return m == null ? 0 : m.size();
    }

    /** Open connections of one event loop to one endpoint (tests and diagnostics). */
    int connections(EventLoop loop, UpstreamEndpoint endpoint) {
        Map<UpstreamEndpoint, Entry> m = loops.get(loop);
        Entry e = m == null ? null : m.get(endpoint);
        return e == null ? 0 : e.ready.size();
    }

    /** One event loop's connections to one endpoint; touched by that loop only. */
    private static final class Entry {
        final List<Channel> ready = new ArrayList<>(2);
        Future<Channel> connecting;
    }

    /** Origins don't push to a proxy: it said so in its SETTINGS, and a pushed stream is reset. */
    private static final class RefusePush extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.close();
        }
    }

    /** A connection with no stream for the pool's idle timeout is closed (GOAWAY), as idle HTTP/1.1 ones are. */
    private static final class CloseWhenIdle extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
                if (codec == null || codec.connection().numActiveStreams() == 0) {
                    ctx.close();
                }
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }
    }
}
