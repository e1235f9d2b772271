package io.mtlsproxy.core.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.NoopAuthoritativeDnsServerCache;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.NoopDnsCnameCache;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Origin host names through Netty's asynchronous DNS resolver (never {@code InetAddress} on an event loop): every
 * A and AAAA record, with the smallest TTL among them, so that the caller can re-resolve when the records expire.
 * Runs on its own one-thread event loop; nothing is cached here (the caller decides when to ask again), and the
 * name servers are the system's ({@code /etc/resolv.conf}, the hosts file first) unless given.
 */
public final class OriginDns implements AutoCloseable {
    private static final long QUERY_TIMEOUT_MILLIS = 2_000;

    /** What a name resolved to: every address, and how long the answer may be trusted. */
    public record Answer(List<InetAddress> addresses, Duration ttl) {
        public Answer {
            addresses = List.copyOf(addresses);
        }
    }

    private final EventLoopGroup group;
    private final EventLoop loop;
    private final DnsNameResolver resolver;

    /** @param servers name servers to ask (tests); empty: the system's */
    public OriginDns(Optional<List<InetSocketAddress>> servers) {
        group = new MultiThreadIoEventLoopGroup(
                1, new DefaultThreadFactory("mtls-proxy-dns", true), NioIoHandler.newFactory());
        loop = group.next();
        DnsNameResolverBuilder b = new DnsNameResolverBuilder(loop)
                .datagramChannelType(NioDatagramChannel.class)
                .resolveCache(NoopDnsCache.INSTANCE)
                .cnameCache(NoopDnsCnameCache.INSTANCE)
                .authoritativeDnsServerCache(NoopAuthoritativeDnsServerCache.INSTANCE)
                .queryTimeoutMillis(QUERY_TIMEOUT_MILLIS);
        servers.ifPresent(s -> b.nameServerProvider(new SequentialDnsServerAddressStreamProvider(s)));
        resolver = b.build();
    }

    /** Asks for the A and AAAA records of {@code host} at once; fails only when neither answered any. */
    public Future<Answer> resolve(String host) {
        Promise<Answer> promise = loop.newPromise();
        loop.execute(() -> {
            List<InetAddress> addresses = new ArrayList<>();
            long[] ttl = {Long.MAX_VALUE};
            Throwable[] failure = {null};
            AtomicInteger pending = new AtomicInteger(2);
            for (DnsRecordType type : new DnsRecordType[] {DnsRecordType.A, DnsRecordType.AAAA}) {
                resolver.resolveAll(new DefaultDnsQuestion(host, type)).addListener(f -> {
                    // the listener runs on this one loop: no locking around the shared lists
                    if (f.isSuccess()) {
                        @SuppressWarnings("unchecked")
                        List<DnsRecord> records = (List<DnsRecord>) f.getNow();
                        collect(host, records, type, addresses, ttl);
                    } else {
                        failure[0] = f.cause();
                    }
                    if (pending.decrementAndGet() == 0) {
                        if (addresses.isEmpty()) {
                            promise.setFailure(
                                    failure[0] != null
                                            ? failure[0]
                                            : new UnknownHostException(host + ": no A or AAAA record"));
                        } else {
                            promise.setSuccess(new Answer(addresses, Duration.ofSeconds(ttl[0])));
                        }
                    }
                });
            }
        });
        return promise;
    }

    /** Blocking {@link #resolve}: for a start or reload thread only. */
    public Answer resolveNow(String host) throws UnknownHostException {
        Future<Answer> f = resolve(host).awaitUninterruptibly();
        if (!f.isSuccess()) {
            if (f.cause() instanceof UnknownHostException u) {
                throw u;
            }
            UnknownHostException e =
                    new UnknownHostException(host + ": " + f.cause().getMessage());
            e.initCause(f.cause());
            throw e;
        }
        return f.getNow();
    }

    /** Addresses out of raw A/AAAA records (which the caller must release: done here). */
    private static void collect(
            String host, List<DnsRecord> records, DnsRecordType type, List<InetAddress> addresses, long[] ttl) {
        try {
            for (DnsRecord r : records) {
                if (r.type() != type || !(r instanceof DnsRawRecord raw)) {
                    continue;
                }
                ByteBuf content = raw.content();
                int length = type == DnsRecordType.A ? 4 : 16;
                if (content.readableBytes() != length) {
                    continue;
                }
                try {
                    InetAddress a = InetAddress.getByAddress(host, ByteBufUtil.getBytes(content)); // no lookup
                    if (!addresses.contains(a)) {
                        addresses.add(a);
                    }
                    ttl[0] = Math.min(ttl[0], r.timeToLive());
                } catch (UnknownHostException impossible) {
                    // the length was checked above
                }
            }
        } finally {
            records.forEach(ReferenceCountUtil::release);
        }
    }

    @Override
    public void close() {
        resolver.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
