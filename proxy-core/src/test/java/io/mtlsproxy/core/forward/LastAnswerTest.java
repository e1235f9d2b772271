package io.mtlsproxy.core.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.core.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A connection's last answer is corked (one segment with the close where there were several) and still reaches
 * the client whole, with the close right behind it: the close sends what the cork held.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class LastAnswerTest {
    @Test
    void aCorkedAnswerLeavesWholeWithTheClose() throws Exception {
        Assumptions.assumeTrue(Epoll.isAvailable(), "TCP_CORK is the epoll transport's");
        EventLoopGroup group = Transport.epoll().newGroup(1, "last-answer-test");
        byte[] answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                .getBytes(StandardCharsets.US_ASCII);
        CompletableFuture<Boolean> corked = new CompletableFuture<>();
        try {
            Channel listening = new ServerBootstrap()
                    .group(group)
                    .channel(Transport.epoll().serverChannelClass())
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            LastAnswer.cork(ch);
                            corked.complete(ch.config().getOption(EpollChannelOption.TCP_CORK));
                            ch.writeAndFlush(Unpooled.wrappedBuffer(answer)).addListener(f -> ch.close());
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0))
                    .sync()
                    .channel();
            try (Socket client = new Socket()) {
                client.connect(listening.localAddress());
                client.setSoTimeout(5_000); // a held answer would time out here rather than arrive at the close
                InputStream in = client.getInputStream();
                assertArrayEquals(answer, in.readAllBytes(), "the whole answer, then the end of the stream");
                assertTrue(corked.get(5, TimeUnit.SECONDS), "the socket was corked before the write");
            } finally {
                listening.close().sync();
            }
        } finally {
            assertTrue(group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void otherTransportsAreLeftAlone() {
        var channel = new io.netty.channel.embedded.EmbeddedChannel();
        LastAnswer.cork(channel); // no TCP_CORK outside epoll: a no-op, not a failure
        assertTrue(channel.isOpen());
        assertFalse(channel.finish());
        assertEquals(0, channel.outboundMessages().size());
    }
}
