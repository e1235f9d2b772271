package io.mtlsproxy.admin;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mtlsproxy.admin.log.AccessLogs;
import io.mtlsproxy.admin.metrics.PrometheusRegistry;
import io.mtlsproxy.admin.server.AdminServer;
import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.config.ConfigLoader;
import io.mtlsproxy.config.ProxyConfig;
import io.mtlsproxy.core.ProxyServer;
import io.mtlsproxy.core.ReloadResult;
import io.mtlsproxy.core.metrics.AccessLog;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.reload.FileWatcher;

/**
 * The composition root of a running proxy: configuration → core's {@link ProxyServer} → the admin endpoint, the
 * Prometheus registry, the access log and the file watcher. {@code run} and {@code demo} both start one.
 */
public final class ProxyApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyApp.class);

    private final PrometheusRegistry registry;
    private final AccessLog accessLog;
    private final ProxyServer proxy;
    private final AdminServer admin;
    private final FileWatcher watcher;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean stopping = new AtomicBoolean();

    private ProxyApp(PrometheusRegistry registry, AccessLog accessLog, ProxyServer proxy, AdminServer admin,
                     ProxyConfig config) {
        this.registry = registry;
        this.accessLog = accessLog;
        this.proxy = proxy;
        this.admin = admin;
        this.watcher = config.reload().watch()
                ? new FileWatcher(() -> proxy.snapshot().config().watchedFiles(),
                        () -> proxy.snapshot().config().routesDir(), config.reload().interval(),
                        () -> reload("file change"))
                : null;
    }

    /** Loads and validates {@code configFile}, binds the admin endpoint and every listener. */
    public static ProxyApp start(Path configFile) throws ConfigException, IOException {
        return start(ConfigLoader.load(requireNonNull(configFile, "configFile")));
    }

    public static ProxyApp start(ProxyConfig config) throws ConfigException, IOException {
        PrometheusRegistry registry = PrometheusRegistry.create();
        AccessLog accessLog = null;
        ProxyServer proxy = null;
        AdminServer admin = null;
        try {
            accessLog = AccessLogs.open(config.accessLog(), registry.registry());
            proxy = ProxyServer.builder().metrics(new ProxyMetrics(registry.registry())).accessLog(accessLog).build();
            // the admin endpoint comes first, so /readyz answers 503 until every listener is bound
            ProxyServer view = proxy;
            admin = AdminServer.builder(view, registry.registry()).config(config.admin())
                    .expiry(() -> view.snapshot() == null ? config.expiry() : view.snapshot().config().expiry())
                    .start();
            LOG.info("admin endpoint on http://{}:{}/", config.admin().bind(), admin.port());
            proxy.start(config);
            admin.inventory().refresh();
            return new ProxyApp(registry, accessLog, proxy, admin, config);
        } catch (ConfigException | IOException | RuntimeException e) {
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

    public ProxyServer proxy() {
        return proxy;
    }

    public int port(String listener) {
        return proxy.port(listener);
    }

    public int adminPort() {
        return admin.port();
    }

    /** A reload from SIGHUP or the file watcher (POST /reload goes through the admin endpoint itself). */
    public ReloadResult reload(String trigger) {
        LOG.info("reload ({})", trigger);
        ReloadResult result = proxy.reload();
        admin.inventory().refresh();
        return result;
    }

    /**
     * Graceful stop: /readyz turns 503, listeners stop accepting, in-flight requests finish within
     * {@code shutdown-grace}, then everything closes. Idempotent; safe from a signal thread.
     */
    public void shutdown() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        try {
            if (watcher != null) {
                watcher.close();
            }
            proxy.drain(proxy.snapshot().config().shutdownGrace());
        } finally {
            close();
        }
    }

    /** Blocks until {@link #shutdown()} or {@link #close()} has finished. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.close();
        }
        proxy.close();
        admin.close();
        accessLog.close();
        registry.close();
        stopped.countDown();
    }
}
