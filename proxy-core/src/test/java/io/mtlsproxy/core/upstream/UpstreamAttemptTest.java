package io.mtlsproxy.core.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.Endpoint;
import io.mtlsproxy.config.RetryOn;
import io.mtlsproxy.config.UpstreamConfig;
import io.mtlsproxy.config.UpstreamProtocol;
import io.mtlsproxy.config.UpstreamTls;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.metrics.UpstreamErrorReason;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One upstream attempt over real loopback sockets: a refused connect is classified and counted for ejection, the
 * retry goes to another endpoint once and only once, a stale-connection retry is also the one retry, and with
 * every endpoint ejected the attempt answers 503 without counting an upstream error.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UpstreamAttemptTest {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final ProxyMetrics metrics = ProxyMetrics.inMemory();
    private final UpstreamPools pools =
            new UpstreamPools(new Bootstrap().channel(NioSocketChannel.class), metrics, Duration.ofMinutes(1));
    private final EventLoop loop = group.next();
    /** ejected at the first counted failure: ejected() shows what was counted */
    private static final EjectionPolicy AT_ONCE = new EjectionPolicy(1, Duration.ofMinutes(1));

    @AfterEach
    void stop() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static UpstreamEndpoint endpoint(int port, EjectionPolicy ejection) {
        return new UpstreamEndpoint("r", new Endpoint("127.0.0.1", port), InetAddress.getLoopbackAddress(), ejection);
    }

    private static UpstreamCluster cluster(UpstreamEndpoint... endpoints) {
        List<Endpoint> configured = java.util.Arrays.stream(endpoints)
                .map(UpstreamEndpoint::endpoint)
                .toList();
        return new UpstreamCluster(
                "r",
                new UpstreamConfig(
                        configured,
                        UpstreamProtocol.H1,
                        UpstreamTls.PLAIN,
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(5),
                        8),
                List.of(endpoints),
                Optional.empty());
    }

    private double errors(String reason) {
        var c = metrics.registry()
                .find("mtls_proxy_upstream_errors")
                .tag("route", "r")
                .tag("reason", reason)
                .counter();
        return c == null ? 0 : c.count();
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return loop.submit(task).get(10, TimeUnit.SECONDS);
    }

    @Test
    void refusedConnectIsCountedAndRetriedOnceOnTheOtherEndpoint() throws Exception {
        try (ServerSocket live = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            UpstreamEndpoint refusing = endpoint(closedPort(), AT_ONCE);
            UpstreamEndpoint listening = endpoint(live.getLocalPort(), AT_ONCE);
            UpstreamAttempt attempt = new UpstreamAttempt(pools, cluster(refusing, listening), metrics, loop);
            // round robin starts at the first endpoint: the refusing one
            assertNull(onLoop(attempt::pick));
            assertSame(refusing, attempt.endpoint());

            Future<Channel> first = onLoop(attempt::acquire);
            assertFalse(first.await(10, TimeUnit.SECONDS) && first.isSuccess());
            UpstreamFailure failure = onLoop(() -> attempt.failed(first.cause()));
            assertEquals(UpstreamErrorReason.CONNECT, failure.reason());
            assertEquals(502, failure.status());
            assertTrue(failure.getMessage().startsWith("origin refused the connection"), failure.getMessage());
            assertEquals(1.0, errors("connect"));
            assertTrue(refusing.ejected(), "counted for ejection");

            assertTrue(onLoop(() -> attempt.retry(RetryOn.CONNECT_FAILURE, "GET", true)));
            assertSame(listening, attempt.endpoint());
            Future<Channel> second = onLoop(attempt::acquire);
            Channel ch = second.sync().getNow();
            assertFalse(listening.ejected());
            assertFalse(onLoop(() -> attempt.retry(RetryOn.CONNECT_FAILURE, "GET", true)), "attempts = 1 by default");
            assertFalse(onLoop(attempt::retryFresh), "a stale-connection retry is the same one retry");
            ch.close().sync();
        }
    }

    @Test
    void aFailureThatIsNotTheOriginsIsNeitherCountedNorRetried() throws Exception {
        UpstreamEndpoint a = endpoint(closedPort(), AT_ONCE);
        UpstreamEndpoint b = endpoint(closedPort(), AT_ONCE);
        UpstreamAttempt attempt = new UpstreamAttempt(pools, cluster(a, b), metrics, loop);
        assertNull(onLoop(attempt::pick));
        UpstreamFailure tooBig = new UpstreamFailure(null, 413, "request body exceeds max-body-size", null);
        onLoop(() -> {
            attempt.count(tooBig);
            return null;
        });
        assertFalse(attempt.endpoint().ejected(), "not counted: not the origin's fault");
        assertEquals(0.0, errors("connect") + errors("reset"));
        assertTrue(onLoop(attempt::retryFresh), "the one retry is still there");
        assertFalse(onLoop(attempt::retryFresh));
    }

    @Test
    void everyEndpointEjectedIs503WithoutAnUpstreamError() throws Exception {
        UpstreamEndpoint only = endpoint(closedPort(), AT_ONCE);
        UpstreamAttempt attempt = new UpstreamAttempt(pools, cluster(only), metrics, loop);
        assertNull(onLoop(attempt::pick));
        Future<Channel> f = onLoop(attempt::acquire);
        f.await(10, TimeUnit.SECONDS);
        onLoop(() -> attempt.failed(f.cause()));
        assertFalse(
                onLoop(() -> attempt.retry(RetryOn.CONNECT_FAILURE, "GET", true)),
                "no other endpoint, this one ejected");

        UpstreamAttempt next = new UpstreamAttempt(pools, cluster(only), metrics, loop);
        UpstreamFailure none = onLoop(next::pick);
        assertNotNull(none, "the only endpoint is ejected");
        assertEquals(503, none.status());
        assertTrue(none.getMessage().startsWith("no healthy origin for route r"), none.getMessage());
        assertFalse(none.endpointFault());
        assertEquals(1.0, errors("connect"), "only the refused connect was counted");
    }
}
