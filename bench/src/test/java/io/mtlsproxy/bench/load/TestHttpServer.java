package io.mtlsproxy.bench.load;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;

/**
 * A plain HTTP/1.1 origin for load generator tests: answers every request with a fixed status and body, after
 * a delay chosen per request (by the request's arrival time), so tests can make a server that stalls.
 */
final class TestHttpServer implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    final long startedAt = System.nanoTime();

    /** @param delayMillis arrival time (nanoTime) → milliseconds to wait before answering */
    TestHttpServer(int status, String body, LongFunction<Long> delayMillis) throws InterruptedException {
        byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(
                                        new HttpServerCodec(),
                                        new HttpObjectAggregator(1024),
                                        new SimpleChannelInboundHandler<FullHttpRequest>() {
                                            @Override
                                            protected void channelRead0(
                                                    ChannelHandlerContext ctx, FullHttpRequest req) {
                                                boolean keepAlive = HttpUtil.isKeepAlive(req);
                                                long delay = delayMillis.apply(System.nanoTime());
                                                Runnable answer = () -> {
                                                    FullHttpResponse r = new DefaultFullHttpResponse(
                                                            HttpVersion.HTTP_1_1,
                                                            HttpResponseStatus.valueOf(status),
                                                            Unpooled.wrappedBuffer(bytes));
                                                    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
                                                    HttpUtil.setKeepAlive(r, keepAlive);
                                                    var f = ctx.writeAndFlush(r);
                                                    if (!keepAlive) {
                                                        f.addListener(x -> ctx.close());
                                                    }
                                                };
                                                if (delay > 0) {
                                                    ctx.executor().schedule(answer, delay, TimeUnit.MILLISECONDS);
                                                } else {
                                                    answer.run();
                                                }
                                            }
                                        });
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
