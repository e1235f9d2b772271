package io.mtlsproxy.core.renew;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.IssuerConfig;
import io.mtlsproxy.config.KeyMaterial;
import io.mtlsproxy.config.ProxyConfig;
import io.mtlsproxy.config.RenewSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One certificate that renews itself: a listener's server certificate or a route's upstream client identity,
 * with its files, its {@code renew} block and its issuer. {@code key()} identifies it across reloads.
 */
record RenewalTarget(String usage, String owner, Path certFile, Path keyFile, RenewSpec spec, IssuerConfig issuer) {
    static final String LISTENER_SERVER = "listener-server";
    static final String UPSTREAM_CLIENT = "upstream-client";

    RenewalTarget {
        requireNonNull(usage, "usage");
        requireNonNull(owner, "owner");
        requireNonNull(certFile, "certFile");
        requireNonNull(keyFile, "keyFile");
        requireNonNull(spec, "spec");
        requireNonNull(issuer, "issuer");
    }

    record Key(String usage, String owner, Path certFile) {}

    Key key() {
        return new Key(usage, owner, certFile);
    }

    /** Every certificate with a {@code renew} block whose issuer exists (the loader reports the others). */
    static List<RenewalTarget> of(ProxyConfig config) {
        List<RenewalTarget> out = new ArrayList<>();
        config.listeners()
                .forEach(l -> l.tls().certificates().forEach(km -> add(out, LISTENER_SERVER, l.name(), km, config)));
        config.routes()
                .forEach(r -> r.upstream()
                        .tls()
                        .clientIdentity()
                        .ifPresent(km -> add(out, UPSTREAM_CLIENT, r.name(), km, config)));
        return out;
    }

    private static void add(List<RenewalTarget> out, String usage, String owner, KeyMaterial km, ProxyConfig config) {
        if (km.renew().isEmpty() || km.cert().isEmpty() || km.key().isEmpty()) {
            return;
        }
        RenewSpec spec = km.renew().get();
        IssuerConfig issuer = config.issuers().get(spec.issuer());
        if (issuer != null) {
            out.add(new RenewalTarget(
                    usage, owner, km.cert().get().path(), km.key().get().path(), spec, issuer));
        }
    }
}
