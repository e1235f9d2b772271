package io.mtlsproxy.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The listeners set no TCP_NODELAY per accepted connection (a system call each): every transport's accepted
 * channels come with it on. Nagle's algorithm on a client connection would hold a small answer written after
 * another one until the client's delayed ACK, 40 ms on Linux.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class TransportTest {
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void acceptedConnectionsHaveNagleOff(String name) throws Exception {
        Assumptions.assumeTrue(
                switch (name) {
                    case "io_uring" -> IoUring.isAvailable();
                    case "epoll" -> Epoll.isAvailable();
                    default -> true;
                },
                "no " + name + " here");
        Transport transport = switch (name) {
            case "io_uring" -> Transport.ioUring();
            case "epoll" -> Transport.epoll();
            default -> Transport.nio();
        };
        EventLoopGroup group = transport.newGroup(1, "transport-test");
        try {
            CompletableFuture<Boolean> noDelay = new CompletableFuture<>();
            Channel listening = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannelClass())
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            noDelay.complete(ch.config().getOption(ChannelOption.TCP_NODELAY));
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0))
                    .sync()
                    .channel();
            try (Socket client = new Socket()) {
                client.connect(listening.localAddress());
                assertEquals(Boolean.TRUE, noDelay.get(5, TimeUnit.SECONDS));
            } finally {
                listening.close().sync();
            }
        } finally {
            assertTrue(group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS));
        }
    }
}
