package io.mtlsproxy.core.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.Endpoint;
import io.mtlsproxy.config.UpstreamConfig;
import io.mtlsproxy.config.UpstreamProtocol;
import io.mtlsproxy.config.UpstreamTls;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link UpstreamPools#evictRetired} reaches the HTTP/2 connections too: an endpoint retired by a reload or a DNS
 * change is forgotten by the h2 map (which otherwise grows with every address an origin ever had) and its
 * connection goes away, while a live endpoint's connection stays. Real h2c connections over loopback.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class H2EvictionTest {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private Channel origin;
    private UpstreamPools pools;

    @BeforeEach
    void start() throws Exception {
        origin = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(
                                        Http2FrameCodecBuilder.forServer().build(),
                                        new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .sync()
                .channel();
        pools = new UpstreamPools(
                new Bootstrap().channel(NioSocketChannel.class), ProxyMetrics.inMemory(), Duration.ofMinutes(1));
    }

    @AfterEach
    void stop() throws Exception {
        origin.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void retiredEndpointIsForgottenAndItsConnectionClosedWhileALiveOneStays() throws Exception {
        EventLoop loop = group.next();
        int port = ((InetSocketAddress) origin.localAddress()).getPort();
        Endpoint configured = new Endpoint("127.0.0.1", port);
        UpstreamEndpoint old =
                new UpstreamEndpoint("r", configured, InetAddress.getLoopbackAddress(), EjectionPolicy.DEFAULT);
        UpstreamEndpoint live =
                new UpstreamEndpoint("r", configured, InetAddress.getLoopbackAddress(), EjectionPolicy.DEFAULT);
        UpstreamCluster cluster = new UpstreamCluster(
                "r",
                new UpstreamConfig(
                        List.of(configured),
                        UpstreamProtocol.H2,
                        UpstreamTls.PLAIN,
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(5),
                        8),
                List.of(old, live),
                Optional.empty());

        Channel oldStream =
                onLoop(loop, () -> pools.acquire(cluster, old, loop)).sync().getNow();
        Channel liveStream =
                onLoop(loop, () -> pools.acquire(cluster, live, loop)).sync().getNow();
        Channel oldConnection = oldStream.parent();
        onLoop(loop, () -> {
            pools.release(old, oldStream); // a stream ends with its exchange; its connection stays for others
            pools.release(live, liveStream);
            return null;
        });
        assertEquals(2, (int) onLoop(loop, () -> pools.h2Endpoints(loop)));

        old.retire();
        pools.evictRetired(group);

        assertTrue(oldConnection.closeFuture().await(10, TimeUnit.SECONDS), "retired endpoint's connection closed");
        assertEquals(1, (int) onLoop(loop, () -> pools.h2Endpoints(loop)), "retired endpoint forgotten");
        assertEquals(0, (int) onLoop(loop, () -> pools.h2Connections(loop, old)));
        assertEquals(1, (int) onLoop(loop, () -> pools.h2Connections(loop, live)), "live endpoint keeps its one");
        assertFalse(liveStream.parent().closeFuture().isDone());
    }

    private static <T> T onLoop(EventLoop loop, Callable<T> task) throws Exception {
        return loop.submit(task).get(10, TimeUnit.SECONDS);
    }
}
