package io.mtlsproxy.core.tls;

import java.util.List;

import io.mtlsproxy.config.ConfigError;
import io.mtlsproxy.config.ProxyConfig;

/**
 * Loads every certificate, key, CA and CRL a configuration names, as a start or reload would, and reports every
 * problem (no certificate in a PEM, a key that does not match its certificate, ...) as FILE:LINE: key: message.
 * Used by {@code check-config}. STUB: core.tls fills it in.
 */
public final class TlsMaterialCheck {
    private TlsMaterialCheck() {
    }

    public static Result check(ProxyConfig config) {
        return new Result(List.of(), List.of(), List.of());
    }

    /** The problems found, and the certificates and CRLs loaded (for a summary with days left). */
    public record Result(List<ConfigError> errors, List<CertificateUse> certificates, List<CrlUse> crls) {
        public Result {
            errors = List.copyOf(errors);
            certificates = List.copyOf(certificates);
            crls = List.copyOf(crls);
        }
    }
}
