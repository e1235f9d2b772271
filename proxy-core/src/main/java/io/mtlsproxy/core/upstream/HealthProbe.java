package io.mtlsproxy.core.upstream;

import io.mtlsproxy.config.HealthCheck;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.concurrent.TimeUnit;

/**
 * One active health check of one endpoint, on an event loop and without blocking it: a connect (and the route's
 * TLS handshake), then with a path a {@code GET} that must answer 2xx, all within the check's timeout. The
 * connection is closed after each check.
 */
final class HealthProbe {
    /** A check's outcome: {@code text} is what /upstreams shows as the last check. */
    record Result(boolean passed, String text) {}

    private HealthProbe() {}

    /** Runs the check; the future always succeeds, with the result. Call on {@code loop}. */
    static Future<Result> run(
            UpstreamConnector connector,
            UpstreamCluster cluster,
            UpstreamEndpoint endpoint,
            HealthCheck check,
            EventLoop loop) {
        Promise<Result> result = loop.newPromise();
        long timeoutMillis = check.timeout().toMillis();
        Future<Channel> connected = connector.open(cluster, endpoint, loop, p -> {
            if (check.path().isPresent()) {
                p.addLast("http", UpstreamPools.httpCodec());
                p.addLast("check", new StatusReader(result));
            }
        });
        var timeout = loop.schedule(
                () -> {
                    if (result.trySuccess(new Result(false, "fail: no answer within " + timeoutMillis + " ms"))
                            && connected.isSuccess()) {
                        connected.getNow().close();
                    }
                },
                timeoutMillis,
                TimeUnit.MILLISECONDS);
        result.addListener(f -> timeout.cancel(false));
        connected.addListener(f -> {
            if (!f.isSuccess()) {
                String why = f.cause() instanceof UpstreamFailure u ? u.getMessage() : String.valueOf(f.cause());
                result.trySuccess(new Result(false, "fail: " + why));
                return;
            }
            Channel ch = connected.getNow();
            if (result.isDone()) {
                ch.close();
                return;
            }
            if (check.path().isEmpty()) {
                result.trySuccess(new Result(
                        true, cluster.tls().isPresent() ? "pass: connected, TLS handshake" : "pass: connected"));
                ch.close();
                return;
            }
            result.addListener(x -> ch.close());
            FullHttpRequest get = new DefaultFullHttpRequest(
                    HttpVersion.HTTP_1_1, HttpMethod.GET, check.path().get(), Unpooled.EMPTY_BUFFER);
            get.headers()
                    .set(HttpHeaderNames.HOST, endpoint.endpoint().toString())
                    .set(HttpHeaderNames.USER_AGENT, "mtls-proxy-health-check")
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ch.config().setAutoRead(true);
            ch.writeAndFlush(get);
            ch.closeFuture()
                    .addListener(
                            c -> result.trySuccess(new Result(false, "fail: connection closed before the answer")));
        });
        return result;
    }

    /** Reads the status of the check's response; 2xx passes. */
    private static final class StatusReader extends SimpleChannelInboundHandler<HttpObject> {
        private final Promise<Result> result;

        StatusReader(Promise<Result> result) {
            this.result = result;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse r) {
                int code = r.status().code();
                if (code >= 200) {
                    result.trySuccess(new Result(code < 300, (code < 300 ? "pass: " : "fail: ") + code));
                }
            } else if (msg.decoderResult().isFailure()) {
                result.trySuccess(new Result(false, "fail: malformed answer"));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.trySuccess(new Result(false, "fail: " + cause.getMessage()));
            ctx.close();
        }
    }
}
