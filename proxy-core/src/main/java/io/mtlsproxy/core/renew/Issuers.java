package io.mtlsproxy.core.renew;

import io.mtlsproxy.config.AcmeIssuerConfig;
import io.mtlsproxy.config.ExecIssuerConfig;
import io.mtlsproxy.config.IssuerConfig;
import io.mtlsproxy.config.LocalCaIssuerConfig;
import java.util.function.Function;

/**
 * Makes the {@link Issuer} of an issuer's configuration. ACME needs the running proxy's challenge board, so its
 * maker is given by whoever owns the proxy.
 */
public final class Issuers {
    private final Function<AcmeIssuerConfig, Issuer> acme;

    public Issuers(Function<AcmeIssuerConfig, Issuer> acme) {
        this.acme = acme;
    }

    public Issuer create(IssuerConfig config) {
        if (config instanceof AcmeIssuerConfig a) {
            return acme.apply(a);
        }
        if (config instanceof LocalCaIssuerConfig l) {
            return new LocalCaIssuer(l);
        }
        return new ExecIssuer((ExecIssuerConfig) config);
    }
}
