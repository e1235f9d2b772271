package io.mtlsproxy.core.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An authoritative DNS server in the test, over UDP on 127.0.0.1 (Netty's codec-dns): A and AAAA records with a
 * TTL, changed while it runs. Unknown names are NXDOMAIN.
 */
public final class TestDnsServer implements AutoCloseable {
    private final Map<String, List<InetAddress>> zone = new ConcurrentHashMap<>();
    private final AtomicInteger queries = new AtomicInteger();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel channel;
    private volatile long ttlSeconds;

    public TestDnsServer(long ttlSeconds) throws InterruptedException {
        this.ttlSeconds = ttlSeconds;
        channel = new Bootstrap()
                .group(group)
                .channel(NioDatagramChannel.class)
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        ch.pipeline()
                                .addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(), new Answer());
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Sets every address of {@code name} (IPv4 → A, IPv6 → AAAA); an empty list removes the name. */
    public void set(String name, List<InetAddress> addresses) {
        zone.put(name.toLowerCase(Locale.ROOT), List.copyOf(addresses));
    }

    public int queries() {
        return queries.get();
    }

    private final class Answer extends SimpleChannelInboundHandler<DatagramDnsQuery> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
            queries.incrementAndGet();
            DnsQuestion question = query.recordAt(DnsSection.QUESTION);
            DatagramDnsResponse response = new DatagramDnsResponse(query.recipient(), query.sender(), query.id());
            response.setAuthoritativeAnswer(true).setRecursionAvailable(true);
            response.addRecord(DnsSection.QUESTION, question);
            String name = question.name().toLowerCase(Locale.ROOT).replaceAll("\\.$", "");
            List<InetAddress> addresses = zone.get(name);
            if (addresses == null || addresses.isEmpty()) {
                response.setCode(DnsResponseCode.NXDOMAIN);
            } else {
                int length = question.type() == DnsRecordType.AAAA ? 16 : 4;
                for (InetAddress a : addresses) {
                    if (a.getAddress().length == length
                            && (question.type() == DnsRecordType.A || question.type() == DnsRecordType.AAAA)) {
                        response.addRecord(
                                DnsSection.ANSWER,
                                new DefaultDnsRawRecord(
                                        question.name(),
                                        question.type(),
                                        ttlSeconds,
                                        Unpooled.wrappedBuffer(a.getAddress())));
                    }
                }
            }
            ctx.writeAndFlush(response);
        }
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
