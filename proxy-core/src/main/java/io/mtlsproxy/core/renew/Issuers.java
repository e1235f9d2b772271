package io.mtlsproxy.core.renew;

import static java.util.Objects.requireNonNull;

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
        this.acme = requireNonNull(acme, "acme");
    }

    /** For a pass that selected no ACME issuer: ACME answers its challenges on a started proxy's listeners. */
    public static Issuers withoutAcme() {
        return new Issuers(config -> {
            throw new IllegalStateException(
                    "issuer " + config.name() + ": an ACME issuer needs the proxy's listeners for its challenges");
        });
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
