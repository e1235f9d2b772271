package io.mtlsproxy.core.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain HTTP origin that records every request head it receives (with a lenient parser, as an origin that a
 * smuggled request would fool), whether the request arrived whole, and answers each complete request 200 "ok".
 * It can be bound to a given port, so that a test can take an endpoint down and bring it back.
 */
public final class RecordingOrigin implements AutoCloseable {
    /** One request as the origin saw it. */
    public record Recorded(
            String method,
            String uri,
            List<Map.Entry<String, String>> headers,
            long bodyBytes,
            boolean complete,
            int connection) {
        /** Every value of {@code name} (case-insensitive). */
        public List<String> all(String name) {
            List<String> out = new ArrayList<>();
            for (Map.Entry<String, String> h : headers) {
                if (h.getKey().equalsIgnoreCase(name)) {
                    out.add(h.getValue());
                }
            }
            return out;
        }

        public String header(String name) {
            List<String> all = all(name);
            return all.isEmpty() ? null : all.get(0);
        }

        /** Header names in lower case. */
        public List<String> names() {
            return headers.stream()
                    .map(h -> h.getKey().toLowerCase(Locale.ROOT))
                    .toList();
        }
    }

    private final EventLoopGroup group;
    private final Channel server;
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();

    private RecordingOrigin(int port) throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new Recorder(connections.incrementAndGet()));
                    }
                })
                .bind("127.0.0.1", port)
                .sync()
                .channel();
    }

    public static RecordingOrigin start() {
        return start(0);
    }

    /** Bound to {@code port} (0: any free one). */
    public static RecordingOrigin start(int port) {
        try {
            return new RecordingOrigin(port);
        } catch (Exception e) {
            throw new IllegalStateException("recording origin did not start on port " + port, e);
        }
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Every request head received so far, in order. */
    public List<Recorded> requests() {
        return List.copyOf(requests);
    }

    public int connections() {
        return connections.get();
    }

    public void clear() {
        requests.clear();
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private final class Recorder extends SimpleChannelInboundHandler<HttpObject> {
        private final int connection;
        private HttpRequest head;
        private long body;
        private int index = -1;

        Recorder(int connection) {
            this.connection = connection;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpRequest r) {
                head = r;
                body = 0;
                requests.add(snapshot(false));
                index = requests.size() - 1;
            }
            if (msg instanceof HttpContent c && head != null) {
                body += c.content().readableBytes();
                boolean last = c instanceof LastHttpContent && c.decoderResult().isSuccess();
                requests.set(index, snapshot(last));
                if (last) {
                    FullHttpResponse ok = new DefaultFullHttpResponse(
                            HttpVersion.HTTP_1_1,
                            HttpResponseStatus.OK,
                            Unpooled.copiedBuffer("ok\n", StandardCharsets.UTF_8));
                    ok.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
                    HttpUtil.setContentLength(ok, 3);
                    ctx.writeAndFlush(ok);
                    head = null;
                }
            }
        }

        private Recorded snapshot(boolean complete) {
            List<Map.Entry<String, String>> headers = new ArrayList<>();
            for (Map.Entry<String, String> h : head.headers()) {
                headers.add(Map.entry(h.getKey(), h.getValue()));
            }
            return new Recorded(head.method().name(), head.uri(), List.copyOf(headers), body, complete, connection);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
