package io.mtlsproxy.bench.soak;

import io.mtlsproxy.bench.pki.BenchPki;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One request on a new connection, to check that an injected change took effect: the status of the answer (-1
 * when the connection ended without one, which is how a refused client certificate shows with TLS 1.3: the
 * client's handshake completes before the server rejects it) and the server certificate's serial.
 */
final class Probe {
    private Probe() {}

    record Result(int status, BigInteger serverSerial, String failure) {
        boolean answered() {
            return status > 0;
        }
    }

    static Result get(EventLoopGroup group, SslContext tls, int port, String path, Duration timeout)
            throws InterruptedException {
        CompletableFuture<Result> result = new CompletableFuture<>();
        BigInteger[] serial = new BigInteger[1];
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslHandler ssl = tls.newHandler(ch.alloc(), BenchPki.PROXY_NAME, port);
                        ssl.handshakeFuture().addListener(f -> {
                            if (f.isSuccess()) {
                                serial[0] = ((X509Certificate)
                                                ssl.engine().getSession().getPeerCertificates()[0])
                                        .getSerialNumber();
                            }
                        });
                        ch.pipeline().addLast("tls", ssl);
                        ch.pipeline().addLast("http", new HttpClientCodec());
                        ch.pipeline().addLast("answer", new ChannelInboundHandlerAdapter() {
                            private int status = -1;

                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                try {
                                    if (msg instanceof HttpResponse r) {
                                        status = r.status().code();
                                    }
                                    if (msg instanceof LastHttpContent) {
                                        result.complete(new Result(status, serial[0], ""));
                                        ctx.close();
                                    }
                                } finally {
                                    ReferenceCountUtil.release(msg);
                                }
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                result.complete(new Result(-1, serial[0], cause.toString()));
                                ctx.close();
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                result.complete(new Result(-1, serial[0], "closed without an answer"));
                            }
                        });
                    }
                });
        Channel ch = null;
        try {
            var connect = b.connect("127.0.0.1", port).sync();
            ch = connect.channel();
            var req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path, Unpooled.EMPTY_BUFFER);
            req.headers().set(HttpHeaderNames.HOST, BenchPki.PROXY_NAME);
            req.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ch.writeAndFlush(req);
            return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return new Result(-1, serial[0], "no answer within " + timeout.toSeconds() + " s");
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            return new Result(-1, serial[0], e.toString());
        } finally {
            if (ch != null) {
                ch.close();
            }
        }
    }
}
