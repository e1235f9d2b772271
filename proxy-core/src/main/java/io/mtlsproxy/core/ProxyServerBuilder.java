package io.mtlsproxy.core;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.metrics.AccessLog;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.upstream.EjectionPolicy;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Options of a proxy server, from {@link ProxyServer#builder()}; every one has a production default. */
public final class ProxyServerBuilder {
    ProxyMetrics metrics = ProxyMetrics.inMemory();
    AccessLog accessLog = AccessLog.OFF;
    Transport transport = Transport.best();
    int workerThreads;
    /**
     * Netty's pooled direct buffers rather than 4.2's adaptive default: a pooled buffer keeps its NIO view
     * between uses, where the adaptive one makes a new ByteBuffer each time the SslHandler or a socket write
     * asks for it (about 8 % of the bytes allocated per proxied request).
     */
    ByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;

    EjectionPolicy ejection = EjectionPolicy.DEFAULT;
    Duration poolIdleTimeout = Duration.ofSeconds(55);
    Optional<List<InetSocketAddress>> dnsServers = Optional.empty();

    public ProxyServerBuilder metrics(ProxyMetrics metrics) {
        this.metrics = requireNonNull(metrics, "metrics");
        return this;
    }

    public ProxyServerBuilder accessLog(AccessLog accessLog) {
        this.accessLog = requireNonNull(accessLog, "accessLog");
        return this;
    }

    public ProxyServerBuilder transport(Transport transport) {
        this.transport = requireNonNull(transport, "transport");
        return this;
    }

    /** Event loops for connections; 0 (default): one per core, or {@code -Dio.netty.eventLoopThreads}. */
    public ProxyServerBuilder workerThreads(int workerThreads) {
        this.workerThreads = workerThreads;
        return this;
    }

    /** The buffer allocator of every channel (tests measure memory through their own). */
    public ProxyServerBuilder allocator(ByteBufAllocator allocator) {
        this.allocator = requireNonNull(allocator, "allocator");
        return this;
    }

    public ProxyServerBuilder ejection(EjectionPolicy ejection) {
        this.ejection = requireNonNull(ejection, "ejection");
        return this;
    }

    /** How long an upstream connection may sit idle in the pool (origins often close at 60 s). */
    public ProxyServerBuilder poolIdleTimeout(Duration poolIdleTimeout) {
        this.poolIdleTimeout = requireNonNull(poolIdleTimeout, "poolIdleTimeout");
        return this;
    }

    /** The name servers that resolve origin host names (tests); default: the system's resolv.conf. */
    public ProxyServerBuilder dnsServers(List<InetSocketAddress> dnsServers) {
        this.dnsServers = Optional.of(List.copyOf(dnsServers));
        return this;
    }

    public ProxyServer build() {
        return new ProxyServer(this);
    }
}
