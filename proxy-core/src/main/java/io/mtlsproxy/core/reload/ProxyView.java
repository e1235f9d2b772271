package io.mtlsproxy.core.reload;

import io.mtlsproxy.core.metrics.ProxyMetrics;
import io.mtlsproxy.core.tls.CertificateUse;
import io.mtlsproxy.core.tls.CrlUse;
import io.mtlsproxy.core.tls.StapleStatus;
import io.mtlsproxy.core.upstream.UpstreamCluster;
import java.util.List;
import java.util.Map;

/**
 * What the admin plane may see of a running proxy: small, read-only, never blocking a data-path event loop.
 * Implemented by the running proxy; the admin server reads nothing else.
 */
public interface ProxyView {
    /** True once every listener is bound and every certificate loaded, until draining begins. */
    boolean ready();

    boolean draining();

    /** Every certificate in use by the current snapshot (a CA trusted by several routes appears once per route). */
    List<CertificateUse> certificates();

    /** Every CRL enforced by the current snapshot. */
    List<CrlUse> crls();

    ProxyMetrics metrics();

    /** Each listener's OCSP staples (listeners with {@code ocsp.stapling} only), by listener name. */
    default Map<String, List<StapleStatus>> staples() {
        return Map.of();
    }

    /** Every route's origins (GET /upstreams): endpoints with their health, in the current snapshot. */
    default List<UpstreamCluster> upstreams() {
        return List.of();
    }

    /** Re-reads the configuration and every file it names; keeps the old state whole on failure. */
    ReloadResult reload();
}
