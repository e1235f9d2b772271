package io.mtlsproxy.core.tls;

import io.mtlsproxy.config.ConfigError;
import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.ProxyConfig;
import io.mtlsproxy.config.RouteConfig;
import io.mtlsproxy.config.TlsMode;
import io.mtlsproxy.config.UpstreamTlsMode;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads every certificate, key, CA and CRL a configuration names, as a start or reload would (by building every
 * listener's {@link ServerTls} and every TLS route's {@link ClientTls}), and reports every problem (no
 * certificate in a PEM, a key that does not match its certificate, ...) as FILE:LINE: key: message, all of them
 * in one run. Used by {@code check-config} and by the snapshot builder. Blocking: never on an event loop.
 */
public final class TlsMaterialCheck {
    private TlsMaterialCheck() {}

    public static Result check(ProxyConfig config) {
        List<ConfigError> errors = new ArrayList<>();
        List<CertificateUse> certificates = new ArrayList<>();
        List<CrlUse> crls = new ArrayList<>();
        for (ListenerConfig listener : config.listeners()) {
            if (listener.tls().mode() == TlsMode.NONE) {
                continue;
            }
            try {
                ServerTls tls = ServerTls.build(listener);
                certificates.addAll(tls.certificates());
                crls.addAll(tls.crls());
            } catch (ConfigException e) {
                errors.addAll(e.errors());
            }
        }
        for (RouteConfig route : config.routes()) {
            if (route.upstream().tls().mode() == UpstreamTlsMode.PLAIN) {
                continue;
            }
            try {
                certificates.addAll(ClientTls.build(route).certificates()); // one entry per route, even for a shared CA
            } catch (ConfigException e) {
                errors.addAll(e.errors());
            }
        }
        config.sessionTicketKeys().ifPresent(file -> {
            try {
                TicketKeys.read(file); // 80-byte keys back to back
            } catch (ConfigException e) {
                errors.addAll(e.errors());
            }
        });
        return new Result(errors, certificates, crls);
    }

    /** The problems found, and the certificates and CRLs loaded (for a summary with days left). */
    public record Result(List<ConfigError> errors, List<CertificateUse> certificates, List<CrlUse> crls) {
        public Result {
            errors = List.copyOf(errors);
            certificates = List.copyOf(certificates);
            crls = List.copyOf(crls);
        }

        public boolean ok() {
            return errors.isEmpty();
        }
    }
}
