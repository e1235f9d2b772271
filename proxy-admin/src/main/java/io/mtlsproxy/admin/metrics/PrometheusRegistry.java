package io.mtlsproxy.admin.metrics;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mtlsproxy.admin.build.BuildInfo;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import io.prometheus.metrics.core.metrics.Info;
import java.util.ArrayList;
import java.util.List;

/**
 * The process's one Prometheus registry: the proxy's own meters go in through {@code ProxyMetrics}, and this
 * binds the JVM (memory, GC, threads, class loading), process (CPU, uptime, file descriptors) and Netty
 * allocator meters. Close it at shutdown: the GC binder holds JMX notification listeners.
 */
public final class PrometheusRegistry implements AutoCloseable {
    public static final String BUILD_INFO_METRIC = "mtls_proxy_build_info";
    private final PrometheusMeterRegistry registry;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    private PrometheusRegistry(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    /** A new registry with every standard binder bound. */
    public static PrometheusRegistry create() {
        PrometheusRegistry r = new PrometheusRegistry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        ExpositionFilters.all().forEach(r.registry.config()::meterFilter); // before any meter is registered
        r.bind(new JvmMemoryMetrics());
        JvmGcMetrics gc = new JvmGcMetrics();
        r.closeables.add(gc);
        r.bind(gc);
        r.bind(new JvmThreadMetrics());
        r.bind(new ClassLoaderMetrics());
        r.bind(new ProcessorMetrics());
        r.bind(new UptimeMetrics());
        r.bind(new FileDescriptorMetrics());
        for (ByteBufAllocatorMetricProvider allocator : allocators()) {
            r.bind(new NettyAllocatorMetrics(allocator));
        }
        r.registry.getPrometheusRegistry().register(buildInfo(BuildInfo.current()));
        return r;
    }

    /**
     * The allocators the data path may use: Netty 4.2's default (adaptive unless {@code io.netty.allocator.type}
     * says otherwise) and the pooled one, each once. Both report through the same meter names, told apart by
     * the {@code allocator_type} label.
     */
    private static List<ByteBufAllocatorMetricProvider> allocators() {
        List<ByteBufAllocatorMetricProvider> list = new ArrayList<>();
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider) {
            list.add(provider);
        }
        if (ByteBufAllocator.DEFAULT != PooledByteBufAllocator.DEFAULT) {
            list.add(PooledByteBufAllocator.DEFAULT);
        }
        return list;
    }

    /**
     * The usual Prometheus build-info series: always 1, the facts are in the labels. A Prometheus info metric of
     * its own, since Micrometer strips the {@code _info} suffix from a gauge's name.
     */
    private static Info buildInfo(BuildInfo build) {
        Info info = Info.builder()
                .name(BUILD_INFO_METRIC)
                .help("Always 1: the version, git commit and TLS provider of the running proxy")
                .labelNames("version", "commit", "tls_provider")
                .build();
        info.setLabelValues(build.version(), build.commit(), build.tlsProvider());
        return info;
    }

    private void bind(MeterBinder binder) {
        binder.bindTo(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The text exposition (format 0.0.4), as /metrics serves it. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                // closing at shutdown: nothing useful to do with a failure to unregister a JMX listener
            }
        }
        registry.close();
    }
}
