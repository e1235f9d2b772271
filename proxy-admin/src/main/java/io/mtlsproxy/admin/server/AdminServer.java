package io.mtlsproxy.admin.server;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mtlsproxy.admin.build.BuildInfo;
import io.mtlsproxy.admin.inventory.CertificateInventory;
import io.mtlsproxy.config.AdminConfig;
import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.config.ExpiryConfig;
import io.mtlsproxy.core.net.BindAddress;
import io.mtlsproxy.core.reload.ProxyView;
import io.mtlsproxy.core.renew.Renewals;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin endpoint: plain HTTP on its own port, served by its own one-thread event loop so that a slow
 * scrape or a burst of /certs calls never competes with the data path, and a busy data path never makes the
 * health checks time out. Reloads run on a separate thread because they read files.
 *
 * <pre>{@code
 * AdminServer admin = AdminServer.start(config.admin(), proxy, registry.registry(), config.expiry());
 * ... admin.port() ...
 * admin.close();
 * }</pre>
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    private static final int MAX_REQUEST_BYTES = 64 * 1024;
    private static final Duration IDLE_TIMEOUT = Duration.ofMinutes(2);
    /** Not in DESIGN.md's table: an addition for the "not ready" alert. */
    public static final String READY_METRIC = "mtls_proxy_ready";

    private final EventLoopGroup group;
    private final ExecutorService reloadExecutor;
    private final CertificateInventory inventory;
    private final Channel channel;
    private final Channel healthChannel;
    private final AdminAccess access;
    private final Gauge ready;
    private final MeterRegistry registry;

    private AdminServer(
            EventLoopGroup group,
            ExecutorService reloadExecutor,
            CertificateInventory inventory,
            Channel channel,
            Channel healthChannel,
            AdminAccess access,
            Gauge ready,
            MeterRegistry registry) {
        this.healthChannel = healthChannel;
        this.access = access;
        this.ready = ready;
        this.registry = registry;
        this.group = group;
        this.reloadExecutor = reloadExecutor;
        this.inventory = inventory;
        this.channel = channel;
    }

    /** Binds {@code config.bind():config.port()} (port 0: any free port, see {@link #port()}) and serves. */
    public static AdminServer start(
            AdminConfig config, ProxyView view, PrometheusMeterRegistry registry, ExpiryConfig expiry) {
        return builder(view, registry).config(config).expiry(expiry).start();
    }

    public static Builder builder(ProxyView view, PrometheusMeterRegistry registry) {
        return new Builder(view, registry);
    }

    /** The port actually bound. */
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** The port of /healthz and /readyz alone ({@code admin.health}), when there is one. */
    public Optional<Integer> healthPort() {
        return Optional.ofNullable(healthChannel).map(ch -> ((InetSocketAddress) ch.localAddress()).getPort());
    }

    /** Re-reads the admin token file after a reload (off the admin event loop); a bad file keeps the old token. */
    public void reloadToken() {
        try {
            access.reloadToken();
        } catch (ConfigException e) {
            e.errors().forEach(error -> log.warn("admin: keeping the previous token: {}", error));
        }
    }

    /**
     * The certificate inventory: whoever runs reloads refreshes it once after each (ProxyApp: the reloader's
     * listener), POST /reload included.
     */
    public CertificateInventory inventory() {
        return inventory;
    }

    /** Stops listening, stops the inventory timer and removes its gauges, and frees the admin threads. */
    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (healthChannel != null) {
            healthChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        inventory.close();
        registry.remove(ready);
        reloadExecutor.shutdownNow();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Everything but the view and the registry has a default: loopback:9901, 30d/7d, system clock, 60s. */
    public static final class Builder {
        private final ProxyView view;
        private final PrometheusMeterRegistry registry;
        private AdminConfig config = AdminConfig.DEFAULT;
        private Supplier<ExpiryConfig> expiry = () -> ExpiryConfig.DEFAULT;
        private Clock clock = Clock.systemUTC();
        private Duration refreshInterval = CertificateInventory.DEFAULT_INTERVAL;
        private Renewals renewals = Renewals.NONE;
        private ServerInfo serverInfo;
        private AdminAccess access = AdminAccess.OPEN;

        private Builder(ProxyView view, PrometheusMeterRegistry registry) {
            this.view = requireNonNull(view, "view");
            this.registry = requireNonNull(registry, "registry");
        }

        public Builder config(AdminConfig config) {
            this.config = requireNonNull(config, "config");
            return this;
        }

        /** Who may call the endpoints other than health: {@link AdminAccess#of} of the same admin config. */
        public Builder access(AdminAccess access) {
            this.access = requireNonNull(access, "access");
            return this;
        }

        public Builder expiry(ExpiryConfig expiry) {
            requireNonNull(expiry, "expiry");
            this.expiry = () -> expiry;
            return this;
        }

        /** Thresholds read at every evaluation: pass {@code () -> currentConfig().expiry()} to follow reloads. */
        public Builder expiry(Supplier<ExpiryConfig> expiry) {
            this.expiry = requireNonNull(expiry, "expiry");
            return this;
        }

        /** The clock of certificate states and {@code expires_in_seconds} (tests pin it). */
        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock");
            return this;
        }

        /** How often certificate states are re-evaluated; also after each reload made through the endpoint. */
        public Builder refreshInterval(Duration refreshInterval) {
            if (refreshInterval.isNegative() || refreshInterval.isZero()) {
                throw new IllegalArgumentException("refreshInterval: " + refreshInterval + " (expected: > 0)");
            }
            this.refreshInterval = refreshInterval;
            return this;
        }

        /** Certificate renewal: the {@code renewal} object of /certs entries, and {@code POST /renew}. */
        public Builder renewals(Renewals renewals) {
            this.renewals = requireNonNull(renewals, "renewals");
            return this;
        }

        /** What /server-info answers; default: this build, no config file, started now, never reloaded. */
        public Builder serverInfo(ServerInfo serverInfo) {
            this.serverInfo = requireNonNull(serverInfo, "serverInfo");
            return this;
        }

        /**
         * @throws IllegalStateException when the address cannot be bound (in use, not local, no permission)
         */
        public AdminServer start() {
            CertificateInventory inventory = new CertificateInventory(view, registry, expiry, clock);
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(
                    1, new DefaultThreadFactory("admin", true), NioIoHandler.newFactory());
            ExecutorService reloads = Executors.newSingleThreadExecutor(new DefaultThreadFactory("admin-reload", true));
            Channel channel = null;
            Channel healthChannel = null;
            String address = config.bind() + ":" + config.port();
            try {
                ServerInfo info = serverInfo != null ? serverInfo : new ServerInfo(BuildInfo.current(), null, clock);
                channel = bind(
                        new AdminHandler(view, registry, inventory, reloads, renewals, info, access, false),
                        group,
                        config.bind(),
                        config.port(),
                        access.sslContext());
                if (config.health().isPresent()) {
                    AdminConfig.Health health = config.health().get();
                    address = health.bind() + ":" + health.port();
                    healthChannel = bind(
                            new AdminHandler(
                                    view, registry, inventory, reloads, renewals, info, AdminAccess.OPEN, true),
                            group,
                            health.bind(),
                            health.port(),
                            Optional.empty());
                }
            } catch (Exception e) { // bind() rethrows java.net.BindException without declaring it
                if (channel != null) {
                    channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
                }
                reloads.shutdownNow();
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                throw new IllegalStateException("admin: cannot listen on " + address + ": " + e.getMessage(), e);
            }
            // Gauges only once the port is ours: a failed start must not touch another server's series.
            try {
                inventory.start(refreshInterval);
            } catch (RuntimeException e) {
                channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
                if (healthChannel != null) {
                    healthChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
                }
                reloads.shutdownNow();
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                throw e;
            }
            // readiness as a metric too, so that an alert can tell "up but not serving" from "down"
            Gauge ready = Gauge.builder(READY_METRIC, view, v -> v.ready() && !v.draining() ? 1 : 0)
                    .description("1 when /readyz answers 200: every listener bound, not draining")
                    .strongReference(true)
                    .register(registry);
            AdminServer server =
                    new AdminServer(group, reloads, inventory, channel, healthChannel, access, ready, registry);
            log.info(
                    "admin endpoint listening on {}://{}:{}/{}",
                    access.sslContext().isPresent() ? "https" : "http",
                    config.bind(),
                    server.port(),
                    config.auth().isPresent() ? " (auth required)" : "");
            server.healthPort()
                    .ifPresent(port -> log.info(
                            "admin health endpoint (/healthz, /readyz) listening on" + " http://{}:{}/",
                            config.health().get().bind(),
                            port));
            return server;
        }

        private static Channel bind(
                AdminHandler handler, EventLoopGroup group, String bind, int port, Optional<SslContext> tls)
                throws java.net.UnknownHostException {
            BindAddress address = BindAddress.of(bind, port);
            return new ServerBootstrap()
                    .group(group)
                    .channelFactory(address.channelFactory(NioServerSocketChannel.class))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ChannelPipeline p = ch.pipeline();
                            tls.ifPresent(context -> p.addLast("tls", context.newHandler(ch.alloc())));
                            p.addLast("idle", new IdleStateHandler(0, 0, IDLE_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
                            p.addLast("http", new HttpServerCodec());
                            p.addLast("keep-alive", new HttpServerKeepAliveHandler());
                            p.addLast("aggregate", new HttpObjectAggregator(MAX_REQUEST_BYTES));
                            p.addLast("admin", handler);
                        }
                    })
                    .bind(address.address())
                    .syncUninterruptibly()
                    .channel();
        }
    }
}
