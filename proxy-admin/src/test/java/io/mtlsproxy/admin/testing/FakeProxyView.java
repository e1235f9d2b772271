package io.mtlsproxy.admin.testing;

import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.reload.ProxyView;
import io.mtlsproxy.core.reload.ReloadResult;
import io.mtlsproxy.core.tls.CertificateUse;
import io.mtlsproxy.core.tls.CrlUse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * A stand-in for the running proxy behind the admin endpoint. The certificates it lists are real ones made at
 * test time; only the proxy is missing. Every field is settable so a test can walk through start, reload and
 * drain.
 */
public final class FakeProxyView implements ProxyView {
    private volatile boolean ready;
    private volatile boolean draining;
    private volatile List<CertificateUse> certificates = List.of();
    private volatile List<CrlUse> crls = List.of();
    private volatile Supplier<ReloadResult> reload = () -> ReloadResult.success(List.of());
    private final ProxyMetrics metrics;
    /** names of the threads reload() ran on */
    public final List<String> reloadThreads = new CopyOnWriteArrayList<>();

    public FakeProxyView(ProxyMetrics metrics) {
        this.metrics = metrics;
    }

    public FakeProxyView ready(boolean ready) {
        this.ready = ready;
        return this;
    }

    public FakeProxyView draining(boolean draining) {
        this.draining = draining;
        return this;
    }

    public FakeProxyView certificates(List<CertificateUse> certificates) {
        this.certificates = List.copyOf(certificates);
        return this;
    }

    public FakeProxyView crls(List<CrlUse> crls) {
        this.crls = List.copyOf(crls);
        return this;
    }

    public FakeProxyView onReload(Supplier<ReloadResult> reload) {
        this.reload = reload;
        return this;
    }

    @Override
    public boolean ready() {
        return ready && !draining;
    }

    @Override
    public boolean draining() {
        return draining;
    }

    @Override
    public List<CertificateUse> certificates() {
        return certificates;
    }

    @Override
    public List<CrlUse> crls() {
        return crls;
    }

    @Override
    public ProxyMetrics metrics() {
        return metrics;
    }

    @Override
    public ReloadResult reload() {
        reloadThreads.add(Thread.currentThread().getName());
        return reload.get();
    }
}
