package io.mtlsproxy.core.reload;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.ConfigLoader;
import io.mtlsproxy.core.inbound.Listener;
import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.tls.CertificateUse;
import io.mtlsproxy.core.tls.CrlUse;
import io.mtlsproxy.core.tls.ServerTls;
import io.mtlsproxy.core.tls.StapleStatus;
import io.mtlsproxy.core.upstream.UpstreamCluster;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The running proxy's one {@link ProxyView}, made by the server itself and handed to the admin endpoint: its state
 * as it is, read from the current snapshot, with {@code reload()} (POST /reload) run by the server's
 * {@link Reloader} once one is attached, so that it is serialized with SIGHUP and file-watch reloads. It exists
 * before the server binds: the admin endpoint starts first, so that /readyz answers 503 until every listener is
 * bound. Until a reloader is attached, {@code reload()} reloads the server on the calling thread.
 */
public final class ServerView implements ProxyView {
    private final Reloadable server;
    private final ProxyMetrics metrics;
    private final BooleanSupplier ready;
    private final BooleanSupplier draining;
    private volatile Reloader reloader;

    /** For the server that owns this view: its snapshot and reload, its metrics and its two state flags. */
    public ServerView(Reloadable server, ProxyMetrics metrics, BooleanSupplier ready, BooleanSupplier draining) {
        this.server = requireNonNull(server, "server");
        this.metrics = requireNonNull(metrics, "metrics");
        this.ready = requireNonNull(ready, "ready");
        this.draining = requireNonNull(draining, "draining");
    }

    /** From now on, {@code reload()} runs on {@code reloader}'s thread. */
    public void attach(Reloader reloader) {
        this.reloader = requireNonNull(reloader, "reloader");
    }

    @Override
    public boolean ready() {
        return ready.getAsBoolean();
    }

    @Override
    public boolean draining() {
        return draining.getAsBoolean();
    }

    @Override
    public List<CertificateUse> certificates() {
        Snapshot current = server.snapshot(); // null until start: the admin endpoint may ask before the bind
        return current == null ? List.of() : current.certificates();
    }

    @Override
    public Map<String, List<StapleStatus>> staples() {
        Snapshot current = server.snapshot();
        Map<String, List<StapleStatus>> out = new java.util.TreeMap<>();
        if (current != null) {
            for (Listener l : current.listeners()) {
                l.tls()
                        .map(ServerTls::staples)
                        .filter(s -> !s.isEmpty())
                        .ifPresent(s -> out.put(l.config().name(), s));
            }
        }
        return out;
    }

    @Override
    public List<CrlUse> crls() {
        Snapshot current = server.snapshot();
        return current == null ? List.of() : current.crls();
    }

    @Override
    public ProxyMetrics metrics() {
        return metrics;
    }

    @Override
    public List<UpstreamCluster> upstreams() {
        Snapshot current = server.snapshot();
        return current == null
                ? List.of()
                : current.routes().values().stream().map(r -> r.upstream()).toList();
    }

    /** Re-reads the configuration file the proxy runs from, and every file it names. */
    @Override
    public ReloadResult reload() {
        Reloader r = reloader;
        return r == null
                ? server.reload(
                        () -> ConfigLoader.load(server.snapshot().config().file()))
                : r.reload(Reloader.Trigger.ADMIN);
    }
}
