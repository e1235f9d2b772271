package io.mtlsproxy.core.reload;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.tls.CertificateUse;
import io.mtlsproxy.core.tls.CrlUse;
import io.mtlsproxy.core.upstream.UpstreamCluster;
import java.util.List;

/**
 * What the admin endpoint sees of the proxy server: its state as it is, with {@code reload()} (POST /reload)
 * run by the server's {@link Reloader} once one is attached, so that it is serialized with SIGHUP and file-watch
 * reloads. Unlike a reloader, which needs a started server, this view exists before the server binds: the admin
 * endpoint starts first so that /readyz answers 503 until every listener is bound. Until a reloader is attached,
 * {@code reload()} asks the server directly.
 */
public final class ServerView implements ProxyView {
    private final ProxyView server;
    private volatile Reloader reloader;

    public ServerView(ProxyView server) {
        this.server = requireNonNull(server, "server");
    }

    /** From now on, {@code reload()} runs on {@code reloader}'s thread. */
    public void attach(Reloader reloader) {
        this.reloader = requireNonNull(reloader, "reloader");
    }

    @Override
    public boolean ready() {
        return server.ready();
    }

    @Override
    public boolean draining() {
        return server.draining();
    }

    @Override
    public List<CertificateUse> certificates() {
        return server.certificates();
    }

    @Override
    public List<CrlUse> crls() {
        return server.crls();
    }

    @Override
    public ProxyMetrics metrics() {
        return server.metrics();
    }

    @Override
    public List<UpstreamCluster> upstreams() {
        return server.upstreams();
    }

    @Override
    public ReloadResult reload() {
        Reloader r = reloader;
        return r == null ? server.reload() : r.reload(Reloader.Trigger.ADMIN);
    }
}
