package io.mtlsproxy.core;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.ConfigError;
import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.ProxyConfig;
import io.mtlsproxy.config.Source;
import io.mtlsproxy.core.forward.ForwardingContext;
import io.mtlsproxy.core.forward.HttpProxyHandler;
import io.mtlsproxy.core.inbound.Listener;
import io.mtlsproxy.core.inbound.ListenerInitializer;
import io.mtlsproxy.core.metrics.AccessLog;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.net.BindAddress;
import io.mtlsproxy.core.protocol.ProtocolSwitch;
import io.mtlsproxy.core.reload.CertificateChanges;
import io.mtlsproxy.core.reload.ConfigSource;
import io.mtlsproxy.core.reload.ReloadResult;
import io.mtlsproxy.core.reload.Reloadable;
import io.mtlsproxy.core.reload.RevokedConnections;
import io.mtlsproxy.core.reload.ServerView;
import io.mtlsproxy.core.reload.Snapshot;
import io.mtlsproxy.core.reload.SnapshotBuilder;
import io.mtlsproxy.core.reload.SnapshotDiff;
import io.mtlsproxy.core.renew.acme.AcmeChallenges;
import io.mtlsproxy.core.renew.acme.ChallengeResponders;
import io.mtlsproxy.core.revocation.CrlFetcher;
import io.mtlsproxy.core.tls.TlsProvider;
import io.mtlsproxy.core.trace.RequestIds;
import io.mtlsproxy.core.upstream.EjectionPolicy;
import io.mtlsproxy.core.upstream.UpstreamPools;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.util.NettyRuntime;
import io.netty.util.internal.SystemPropertyUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running proxy: binds every listener on one group of event loops (one per core by default), serves them from
 * the current {@link Snapshot}, swaps snapshots on reload and drains on shutdown. {@code start}, {@code reload},
 * {@code drain} and {@code close} block: call them from a main, signal or admin worker thread, never from an event
 * loop. The admin plane sees it through its one {@link #view()}.
 */
public final class ProxyServer implements Reloadable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyServer.class);

    static {
        // BoringSSL never renegotiates as a server; the JDK's TLS 1.2 server does unless told not to (read once, at
        // its first server handshake): a client must not be able to renegotiate into another identity mid-connection
        if (System.getProperty("jdk.tls.rejectClientInitiatedRenegotiation") == null) {
            System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
        }
    }

    private final ProxyMetrics metrics;
    private final AccessLog accessLog;
    private final Transport transport;
    private final int workerThreads;
    private final ByteBufAllocator allocator;
    private final EjectionPolicy ejection;
    private final Duration poolIdleTimeout;
    private final Optional<List<InetSocketAddress>> dnsServers;
    private final ListenerSockets sockets = new ListenerSockets();
    private final ServerView view;
    // A reload reads the configuration and every file it names under this lock. Whoever writes files that must be
    // read together (a renewal's new key and certificate) holds it too, so no reload sees half of such a pair.
    private final ReentrantLock reloadLock = new ReentrantLock();
    private final AcmeChallenges acmeChallenges = new AcmeChallenges();
    private final CrlFetcher crlFetcher = CrlFetcher.refreshing();
    private EventLoopGroup workers;
    private UpstreamPools pools;
    private OriginUpkeep origins;
    private SnapshotBuilder builder;
    private volatile Snapshot snapshot;
    private ProxyConfig prepared; // the configuration whose snapshot prepare() built, until start()
    private volatile boolean ready;
    private volatile boolean draining;

    ProxyServer(ProxyServerBuilder b) {
        this.metrics = b.metrics;
        this.accessLog = b.accessLog;
        this.transport = b.transport;
        this.workerThreads = b.workerThreads;
        this.allocator = b.allocator;
        this.ejection = b.ejection;
        this.poolIdleTimeout = b.poolIdleTimeout;
        this.dnsServers = b.dnsServers;
        this.view = new ServerView(this, metrics, () -> ready, () -> draining);
        // a fetched CRL that changed is applied as a reload of the running configuration, so that the same
        // close-revoked sweep closes the connections of a client it newly revokes
        crlFetcher.countOcspInto(metrics::ocspResponse);
        crlFetcher.onChange(url -> {
            Snapshot current = snapshot;
            if (current != null && workers != null) {
                LOG.info("the CRL at {} changed: rebuilding the listeners' TLS", url);
                reload(current::config);
            }
        });
    }

    public static ProxyServerBuilder builder() {
        return new ProxyServerBuilder();
    }

    /**
     * Builds the first snapshot (loads every certificate, key, CA and CRL) and binds nothing, so that a caller that
     * binds something else first (the admin endpoint) fails on bad key material before it; {@link #start} then
     * uses this snapshot rather than loading the same files again.
     */
    public synchronized void prepare(ProxyConfig config) throws ConfigException {
        if (workers != null) {
            throw new IllegalStateException("already started");
        }
        snapshot = buildFirst(config);
        prepared = config;
    }

    /** Builds the first snapshot (unless {@link #prepare}d) and binds every listener; on failure nothing stays bound. */
    public synchronized void start(ProxyConfig config) throws ConfigException, IOException {
        if (workers != null) {
            throw new IllegalStateException("already started");
        }
        if (prepared != config) {
            snapshot = buildFirst(config);
        }
        prepared = null;
        metrics.clients().maxTracked(config.clients().maxTracked());
        workers = transport.newGroup(workerThreads > 0 ? workerThreads : defaultWorkerThreads(), "mtls-proxy-io");
        Bootstrap upstreamTemplate = new Bootstrap().channel(transport.channelClass());
        upstreamTemplate.option(ChannelOption.ALLOCATOR, allocator);
        pools = new UpstreamPools(upstreamTemplate, metrics, poolIdleTimeout);
        LOG.info("transport {}, TLS provider {}", transport.describe(), TlsProvider.describe());
        ForwardingContext context = new Context();
        try {
            for (ListenerConfig lc : config.listeners()) {
                bind(lc, context);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        origins.start(() -> snapshot, pools, workers, metrics.registry());
        ready = true;
    }

    /** The first snapshot, with the origin resolver it needs (closed again when the build fails). */
    private Snapshot buildFirst(ProxyConfig config) throws ConfigException {
        if (origins == null) {
            origins = new OriginUpkeep(dnsServers);
            builder = new SnapshotBuilder(ejection, origins.dns(), crlFetcher);
        }
        try {
            return builder.build(config);
        } catch (ConfigException | RuntimeException e) {
            origins.close();
            origins = null;
            throw e;
        }
    }

    private void bind(ListenerConfig lc, ForwardingContext context) throws IOException {
        // Accepting on the workers themselves, as nginx's workers do: no accept thread to wake and hand each new
        // connection over from, which on a proxy given one core is two context switches per connection.
        BindAddress address = BindAddress.of(lc.bind(), lc.port());
        String cannot = address.cannotBindWith(transport.serverChannelClass());
        if (cannot != null) {
            throw new IOException("listener " + lc.name() + ": bind = \"" + lc.bind() + "\": " + cannot);
        }
        ServerBootstrap b = new ServerBootstrap()
                .group(workers)
                .channelFactory(address.channelFactory(transport.serverChannelClass()))
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                // no TCP_NODELAY child option: Netty's accepted channels have it on already, and setting it again
                // was one more setsockopt per connection (TransportTest)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ListenerInitializer(
                                lc.name(),
                                name -> snapshot.listener(name),
                                metrics,
                                (ch, listener) -> new HttpProxyHandler(context, listener.name()),
                                sockets::accepted)
                        .protocolSwitch((ch, listener) -> ProtocolSwitch.forListener(context, listener))
                        .challenges(new ChallengeResponders(
                                acmeChallenges, () -> snapshot.config().issuers())));
        b.option(ChannelOption.ALLOCATOR, allocator).childOption(ChannelOption.ALLOCATOR, allocator);
        sockets.bind(lc, b, address.address());
    }

    /** The port a listener is bound to (the real one when the configuration said 0). */
    public int port(String listener) {
        return sockets.port(listener);
    }

    /**
     * What the admin plane sees of this server: the same view from before {@link #start} (not ready) to after
     * {@link #close}; attach the {@link io.mtlsproxy.core.reload.Reloader} to it once there is one.
     */
    public ServerView view() {
        return view;
    }

    public ProxyMetrics metrics() {
        return metrics;
    }

    @Override
    public Snapshot snapshot() {
        return snapshot;
    }

    public UpstreamPools pools() {
        return pools;
    }

    /** Where ACME issuers pin their challenge answers for the listeners; one board for the process's life. */
    public AcmeChallenges acmeChallenges() {
        return acmeChallenges;
    }

    /** Held while a reload reads its files; hold it to replace files a reload must read together. */
    public Lock reloadLock() {
        return reloadLock;
    }

    /**
     * Builds a snapshot of {@code next} and makes it current: new handshakes get its TLS contexts, new requests its
     * routes and policies; established connections keep theirs. On failure the running snapshot stays, whole.
     */
    public ReloadResult reload(ProxyConfig next) {
        requireNonNull(next, "next");
        return reload(() -> next);
    }

    /**
     * The one way a reload happens, whatever asked for it. Reloads are serialized: the configuration is read and
     * the whole new snapshot (every certificate, key, CA, CRL, SslContext and policy) is built on the calling
     * thread, never on an event loop, and only then is one reference swapped. Any problem (unreadable or
     * half-written file, key that does not match its certificate, configuration error, change that needs a
     * restart) keeps the running snapshot whole, logs each error as {@code FILE:LINE: key: message} and counts
     * {@code mtls_proxy_config_reloads_total{result="failure"}}.
     */
    @Override
    public ReloadResult reload(ConfigSource source) {
        requireNonNull(source, "source");
        reloadLock.lock();
        try {
            Snapshot old = snapshot;
            if (old == null) {
                throw new IllegalStateException("not started");
            }
            Snapshot built;
            try {
                ProxyConfig next = source.load();
                List<ConfigError> refused = SnapshotDiff.unappliable(old.config(), next);
                if (!refused.isEmpty()) {
                    return failed(refused);
                }
                built = builder.build(next, old);
            } catch (ConfigException e) {
                return failed(e.errors());
            } catch (RuntimeException e) {
                LOG.error("reload: unexpected failure while building the new configuration", e);
                return failed(List.of(new ConfigError(
                        new Source(old.config().file().toString(), 0), "(reload)", "unexpected failure: " + e)));
            }
            snapshot = built;
            crlFetcher.retainOnly(built.config());
            metrics.clients().maxTracked(built.config().clients().maxTracked());
            old.retire(built);
            pools.evictRetired(workers);
            metrics.configReload(true);
            List<String> changed = SnapshotDiff.changes(old, built);
            LOG.info(
                    "reloaded {}: {} ({})",
                    built.config().file(),
                    changed.isEmpty() ? "nothing changed" : changed,
                    built.counts());
            CertificateChanges.between(old, built).forEach(line -> LOG.info("reload: {}", line));
            RevokedConnections.close(
                    sockets.connections(),
                    name -> {
                        var listener = built.listener(name);
                        var before = old.listener(name);
                        if (listener == null || !listener.config().tls().closeRevoked()) {
                            return null;
                        }
                        // re-verifying every open connection costs a chain check each: only when trust changed
                        boolean unchanged = before != null
                                && before.tls().isPresent()
                                && listener.tls().isPresent()
                                && before.tls()
                                        .get()
                                        .sameClientTrust(listener.tls().get());
                        return unchanged ? null : listener.tls();
                    },
                    metrics);
            return ReloadResult.success(changed);
        } finally {
            reloadLock.unlock();
        }
    }

    private ReloadResult failed(List<ConfigError> errors) {
        metrics.configReload(false);
        List<ConfigError> sorted = errors.stream().sorted().toList();
        LOG.warn("reload failed with {} error(s), keeping the running configuration", sorted.size());
        for (ConfigError e : sorted) {
            LOG.warn("reload: {}", e);
        }
        return ReloadResult.failure(sorted);
    }

    /**
     * The first step of a stop behind a load balancer: /readyz answers 503 (so that the balancer deregisters this
     * replica) while the listeners keep accepting, as connections already routed here still arrive; HTTP/1.1
     * responses say {@code Connection: close}, so keep-alive clients move to new connections, which the balancer
     * sends elsewhere. {@link #drain} follows after the delay.
     */
    public void announceDrain(Duration delay) {
        ready = false;
        draining = true;
        LOG.info("drain announced: /readyz 503, listeners accept for {} ms more", delay.toMillis());
    }

    /**
     * Graceful shutdown: not ready, no new connections, idle keep-alive connections closed, in-flight requests
     * finished (their responses say {@code Connection: close}); whatever is left after {@code grace} is closed.
     * Returns true when everything finished in time.
     */
    public boolean drain(Duration grace) {
        ready = false;
        draining = true;
        return sockets.drain(grace);
    }

    /** Closes every socket and stops the event loops (after {@link #drain} for a graceful stop). */
    @Override
    public synchronized void close() {
        ready = false;
        crlFetcher.close();
        if (origins != null) {
            origins.close();
        }
        sockets.close();
        if (pools != null) {
            pools.close(); // the origin side too: every channel closed before its event loop stops
        }
        if (workers != null) {
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /**
     * One event loop per core the process may use (a cgroup or taskset limit counts), as nginx's
     * {@code worker_processes auto}: each loop is busy on its own, so more loops than cores only add context
     * switches. {@code -Dio.netty.eventLoopThreads=N} overrides.
     */
    static int defaultWorkerThreads() {
        return Math.max(1, SystemPropertyUtil.getInt("io.netty.eventLoopThreads", NettyRuntime.availableProcessors()));
    }

    /** What the client connections see of the server. */
    private final class Context implements ForwardingContext {
        @Override
        public Listener listener(String name) {
            return snapshot.listener(name);
        }

        @Override
        public UpstreamPools pools() {
            return pools;
        }

        @Override
        public ProxyMetrics metrics() {
            return metrics;
        }

        @Override
        public AccessLog accessLog() {
            return accessLog;
        }

        @Override
        public RequestIds requestIds() {
            return snapshot.requestIds();
        }

        @Override
        public boolean draining() {
            return draining;
        }
    }
}
