package io.mtlsproxy.core.renew;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code mtls_proxy_certificate_renewals_total{usage,owner,issuer,result}},
 * {@code mtls_proxy_certificate_renew_at_seconds{usage,owner}} and
 * {@code mtls_proxy_certificate_renewal_failing{usage,owner}}. Two renewing certificates of one listener share
 * their gauges: the earliest renewal time and "any failing" are what an alert needs.
 */
final class RenewalMetrics {
    static final String RENEWALS = "mtls_proxy_certificate_renewals";
    static final String RENEW_AT = "mtls_proxy_certificate_renew_at_seconds";
    static final String FAILING = "mtls_proxy_certificate_renewal_failing";

    private final MeterRegistry registry;
    private final Supplier<Collection<RenewalStatus>> statuses;
    /** guarded by this: "usage\0owner" → its two gauges */
    private final Map<String, List<Meter>> gauges = new HashMap<>();

    RenewalMetrics(MeterRegistry registry, Supplier<Collection<RenewalStatus>> statuses) {
        this.registry = registry;
        this.statuses = statuses;
    }

    void attempted(RenewalTarget t, boolean success) {
        Counter.builder(RENEWALS)
                .description("Certificate renewal attempts by result")
                .tags(
                        "usage",
                        t.usage(),
                        "owner",
                        t.owner(),
                        "issuer",
                        t.issuer().name(),
                        "result",
                        success ? "success" : "failure")
                .register(registry)
                .increment();
    }

    /** Registers the gauges of every (usage, owner) that renews and removes those of the ones that stopped. */
    synchronized void follow(Collection<RenewalTarget> targets) {
        Map<String, RenewalTarget> wanted = new HashMap<>();
        targets.forEach(t -> wanted.putIfAbsent(t.usage() + "\0" + t.owner(), t));
        gauges.entrySet().removeIf(e -> {
            if (!wanted.containsKey(e.getKey())) {
                e.getValue().forEach(registry::remove);
                return true;
            }
            return false;
        });
        wanted.forEach((k, t) -> gauges.computeIfAbsent(
                k,
                x -> List.of(
                        Gauge.builder(RENEW_AT, () -> renewAt(t.usage(), t.owner()))
                                .description("When the certificate is due for renewal (Unix time)")
                                .tags("usage", t.usage(), "owner", t.owner())
                                .register(registry),
                        Gauge.builder(FAILING, () -> failing(t.usage(), t.owner()))
                                .description("1 while the certificate's last renewal attempt failed")
                                .tags("usage", t.usage(), "owner", t.owner())
                                .register(registry))));
    }

    private double renewAt(String usage, String owner) {
        return statuses.get().stream()
                .filter(s -> s.usage().equals(usage) && s.owner().equals(owner))
                .flatMap(s -> s.renewAt().stream())
                .mapToLong(i -> i.getEpochSecond())
                .min()
                .orElse(0);
    }

    private double failing(String usage, String owner) {
        return statuses.get().stream()
                        .anyMatch(s -> s.usage().equals(usage) && s.owner().equals(owner) && s.failing())
                ? 1
                : 0;
    }
}
