package io.mtlsproxy.admin.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import java.util.List;
import java.util.Map;

/**
 * Fixes what Micrometer's stock binders would otherwise make {@code promtool check metrics} reject, so that the
 * exposition lints clean and Prometheus users see no surprises: every meter has help text, no name carries an
 * abbreviated unit or a {@code _count} suffix it is not entitled to.
 */
final class ExpositionFilters {
    /** Help text for the Netty allocator meters, which the binder registers without any. */
    private static final Map<String, String> HELP = Map.of(
            "netty.allocator.memory.used", "Memory held by a Netty buffer allocator, by memory type",
            "netty.allocator.memory.pinned", "Memory of a Netty buffer allocator pinned by buffers in use",
            "netty.allocator.pooled.arenas", "Arenas of the pooled Netty allocator, by memory type",
            "netty.allocator.pooled.cache.size", "Cache sizes of the pooled Netty allocator, by cache type",
            "netty.allocator.pooled.chunk.size", "Chunk size of the pooled Netty allocator",
            "netty.allocator.pooled.threadlocal.caches", "Thread-local caches of the pooled Netty allocator");

    private ExpositionFilters() {}

    static List<MeterFilter> all() {
        return List.of(
                // CPU time in nanoseconds ("_ns_total"); process_cpu_usage says the same in a lintable way
                MeterFilter.denyNameStartsWith("process.cpu.time"),
                // a gauge ending in _count reads as half of a summary
                rename("system.cpu.count", "system.cpu.logical.processors"),
                help());
    }

    private static MeterFilter rename(String from, String to) {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().equals(from) ? id.withName(to) : id;
            }
        };
    }

    private static MeterFilter help() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                if (id.getDescription() != null && !id.getDescription().isBlank()) {
                    return id;
                }
                String help = HELP.getOrDefault(id.getName(), "Micrometer meter " + id.getName());
                return new Meter.Id(
                        id.getName(),
                        io.micrometer.core.instrument.Tags.of(id.getTagsAsIterable()),
                        id.getBaseUnit(),
                        help,
                        id.getType());
            }
        };
    }
}
