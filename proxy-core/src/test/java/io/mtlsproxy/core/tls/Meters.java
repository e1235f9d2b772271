package io.mtlsproxy.core.tls;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.mtlsproxy.core.metrics.ProxyMetrics;

/**
 * Reads the DESIGN.md metrics back from ProxyMetrics by their Prometheus family name, whatever Micrometer base
 * name (with or without the {@code _total}/{@code _seconds} suffix) the facade registers them under.
 */
final class Meters {
    private Meters() {}

    static double count(ProxyMetrics metrics, String family, String... tags) {
        double sum = 0;
        for (Meter m : metrics.registry().getMeters()) {
            if (matches(m, family, tags)) {
                if (m instanceof Counter c) {
                    sum += c.count();
                } else if (m instanceof DistributionSummary s) {
                    sum += s.count();
                }
            }
        }
        return sum;
    }

    private static boolean matches(Meter m, String family, String... tags) {
        String name = m.getId().getName();
        if (!family.startsWith(name)) { // "mtls_proxy_tls_handshakes_total" starts with "mtls_proxy_tls_handshakes"
            return false;
        }
        for (int i = 0; i + 1 < tags.length; i += 2) {
            if (!tags[i + 1].equals(m.getId().getTag(tags[i]))) {
                return false;
            }
        }
        return true;
    }
}
