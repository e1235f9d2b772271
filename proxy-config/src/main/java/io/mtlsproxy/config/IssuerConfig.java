package io.mtlsproxy.config;

/**
 * A certificate issuer named in {@code issuers { NAME { type = ... } }}: where a {@code renew} block sends its
 * certificate signing requests. One record per issuer type.
 */
public sealed interface IssuerConfig permits AcmeIssuerConfig, LocalCaIssuerConfig, ExecIssuerConfig {
    /** The name under {@code issuers}, as a {@code renew.issuer} names it. */
    String name();

    /** {@code acme}, {@code local-ca} or {@code exec}: shown on {@code /certs} and in metrics. */
    String type();

    Source source();
}
