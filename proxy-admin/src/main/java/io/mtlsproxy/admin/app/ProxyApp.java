package io.mtlsproxy.admin.app;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.admin.build.BuildInfo;
import io.mtlsproxy.admin.log.AccessLogs;
import io.mtlsproxy.admin.metrics.PrometheusRegistry;
import io.mtlsproxy.admin.server.AdminAccess;
import io.mtlsproxy.admin.server.AdminServer;
import io.mtlsproxy.admin.server.ServerInfo;
import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.config.ConfigLoader;
import io.mtlsproxy.config.ConfigWarnings;
import io.mtlsproxy.config.ProxyConfig;
import io.mtlsproxy.core.ProxyServer;
import io.mtlsproxy.core.metrics.AccessLog;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.reload.ReloadResult;
import io.mtlsproxy.core.reload.Reloader;
import io.mtlsproxy.core.renew.Issuers;
import io.mtlsproxy.core.renew.RenewalScheduler;
import io.mtlsproxy.core.renew.Renewals;
import io.mtlsproxy.core.renew.acme.AcmeIssuer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root of a running proxy: configuration → core's {@link ProxyServer} → the admin endpoint, the
 * Prometheus registry, the access log, the reloader (file watch, SIGHUP, POST /reload and renewals, all serialized
 * on one thread; its listener refreshes the certificate inventory once per reload) and the renewal scheduler
 * (certificates with a {@code renew} block). {@code run} and {@code demo} both start one.
 */
public final class ProxyApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyApp.class);

    private final PrometheusRegistry registry;
    private final AccessLog accessLog;
    private final ProxyServer proxy;
    private final AdminServer admin;
    private final Reloader reloader;
    private final RenewalScheduler renewals;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean stopping = new AtomicBoolean();

    private ProxyApp(
            PrometheusRegistry registry,
            AccessLog accessLog,
            ProxyServer proxy,
            AdminServer admin,
            Reloader reloader,
            RenewalScheduler renewals) {
        this.renewals = renewals;
        this.registry = registry;
        this.accessLog = accessLog;
        this.proxy = proxy;
        this.admin = admin;
        this.reloader = reloader;
    }

    /** Loads and validates {@code configFile}, binds the admin endpoint and every listener. */
    public static ProxyApp start(Path configFile) throws ConfigException, IOException {
        return start(ConfigLoader.load(requireNonNull(configFile, "configFile")), configFile);
    }

    public static ProxyApp start(ProxyConfig config) throws ConfigException, IOException {
        return start(config, config.file());
    }

    /**
     * {@code reloadFrom} is the main file as the operator named it: a reload must load it under the same name as
     * the start did, or every listener and route (whose records carry FILE:LINE) would compare as changed, and its
     * errors would name another file than {@code check-config} does.
     */
    private static ProxyApp start(ProxyConfig config, Path reloadFrom) throws ConfigException, IOException {
        PrometheusRegistry registry = PrometheusRegistry.create();
        AccessLog accessLog = null;
        ProxyServer proxy = null;
        AdminServer admin = null;
        Reloader reloader = null;
        RenewalScheduler renewals = null;
        try {
            accessLog = AccessLogs.open(config.accessLog(), config.accessLogFormat(), registry.registry());
            proxy = ProxyServer.builder()
                    .metrics(new ProxyMetrics(registry.registry()))
                    .accessLog(accessLog)
                    .build();
            proxy.prepare(config); // bad key material fails here, before anything is bound
            ConfigWarnings.of(config).forEach(w -> LOG.warn("{}", w)); // as check-config prints them
            ProxyServer server = proxy; // for the lambdas below
            AtomicReference<Reloader> reloads = new AtomicReference<>();
            // a renewal loads the new files through the one reload path, as SIGHUP would
            renewals = new RenewalScheduler(
                    issuers(proxy),
                    registry.registry(),
                    () -> reloads.get().reload(Reloader.Trigger.RENEWAL).ok(),
                    proxy.reloadLock());
            ServerInfo info = new ServerInfo(BuildInfo.current(), reloadFrom, Clock.systemUTC());
            // the admin endpoint comes first, so /readyz answers 503 until every listener is bound
            admin = AdminServer.builder(proxy.view(), registry.registry())
                    .config(config.admin())
                    .renewals(renewals)
                    .access(AdminAccess.of(config.admin()))
                    .expiry(() -> server.snapshot() == null
                            ? config.expiry()
                            : server.snapshot().config().expiry())
                    .serverInfo(info)
                    .start();
            LOG.info("admin endpoint on http://{}:{}/", config.admin().bind(), admin.port());
            proxy.start(config);
            AdminServer adminServer = admin;
            RenewalScheduler renewing = renewals;
            reloader = Reloader.start(proxy, reloadFrom, config.reload(), result -> {
                info.reloaded(result);
                adminServer.inventory().refresh();
                adminServer.reloadToken(); // a rotated token file is what triggered this reload, perhaps
                if (result.ok()) {
                    renewing.update(server.snapshot().config()); // renew blocks, issuers or files may have changed
                }
            });
            reloads.set(reloader);
            renewals.update(config); // checked at start: a certificate already due renews now
            proxy.view().attach(reloader); // POST /reload now joins SIGHUP and file-watch reloads on one thread
            admin.inventory().refresh();
            return new ProxyApp(registry, accessLog, proxy, admin, reloader, renewals);
        } catch (ConfigException | IOException | RuntimeException e) {
            if (renewals != null) {
                renewals.close();
            }
            if (reloader != null) {
                reloader.close();
            }
            if (proxy != null) {
                proxy.close();
            }
            if (admin != null) {
                admin.close();
            }
            if (accessLog != null) {
                accessLog.close();
            }
            registry.close();
            throw e;
        }
    }

    /** How each issuer type is made; ACME answers its challenges on this proxy's own listeners. */
    public static Issuers issuers(ProxyServer proxy) {
        return new Issuers(acme -> new AcmeIssuer(acme, proxy.acmeChallenges()));
    }

    /** Certificate renewal: states for /certs, renew-now for POST /renew. */
    public Renewals renewals() {
        return renewals;
    }

    public ProxyServer proxy() {
        return proxy;
    }

    public int port(String listener) {
        return proxy.port(listener);
    }

    public AdminServer admin() {
        return admin;
    }

    public int adminPort() {
        return admin.port();
    }

    /** Asks for a reload (SIGHUP) without waiting; it runs on the reloader's thread like every other. */
    public void requestReload(Reloader.Trigger trigger) {
        reloader.request(trigger);
    }

    /** Reopens a file access log by its path (SIGUSR1, after logrotate renamed it); stdout/off ignore it. */
    public void reopenAccessLog() {
        AccessLogs.reopen(accessLog);
    }

    /** Reloads now and returns the result (tests, tools). */
    public ReloadResult reload() {
        return reloader.reload(Reloader.Trigger.API);
    }

    /**
     * Graceful stop: /readyz turns 503; the listeners keep accepting for {@code shutdown.drain-delay} (a load
     * balancer needs that long to stop sending new connections), then stop accepting, in-flight requests finish
     * within {@code shutdown.grace}, then everything closes. Idempotent; safe from a signal thread.
     */
    public void shutdown() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        try {
            renewals.close();
            reloader.close();
            ProxyConfig config = proxy.snapshot().config();
            if (!config.drainDelay().isZero()) {
                proxy.announceDrain(config.drainDelay());
                sleep(config.drainDelay());
            }
            proxy.drain(config.shutdownGrace());
        } finally {
            close();
        }
    }

    private static void sleep(java.time.Duration delay) {
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // drain now
        }
    }

    /** Blocks until {@link #shutdown()} or {@link #close()} has finished. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        renewals.close();
        reloader.close();
        proxy.close();
        admin.close();
        accessLog.close();
        registry.close();
        stopped.countDown();
    }
}
