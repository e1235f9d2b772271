package io.mtlsproxy.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks every {@code renew} block against the issuers and listeners it depends on: the issuer exists, the
 * files it will rewrite can be written, and an ACME issuer's challenge listener can answer its challenge. Each is
 * found by {@code check-config}, not by the first renewal weeks later.
 */
final class RenewalChecks {
    private RenewalChecks() {}

    static void check(
            Map<String, IssuerConfig> issuers,
            List<ListenerConfig> listeners,
            List<RouteConfig> routes,
            Problems problems) {
        for (KeyMaterial km : renewed(listeners, routes)) {
            RenewSpec spec = km.renew().orElseThrow();
            String key = km.keyPath() + ".renew.issuer";
            if (!spec.issuer().isEmpty() && !issuers.containsKey(spec.issuer())) {
                problems.add(
                        spec.source(),
                        key,
                        Syntax.quote(spec.issuer()) + " names no issuer (expected: one of "
                                + (issuers.isEmpty()
                                        ? "the names under issuers { ... }, which is empty"
                                        : String.join(", ", issuers.keySet()))
                                + ")" + DidYouMean.hint(spec.issuer(), issuers.keySet()));
            }
            km.cert().ifPresent(f -> writable(f, problems));
            km.key().ifPresent(f -> writable(f, problems));
        }
        for (IssuerConfig issuer : issuers.values()) {
            if (issuer instanceof AcmeIssuerConfig acme
                    && !acme.challengeListener().isEmpty()) {
                challengeListener(acme, listeners, problems);
            }
        }
    }

    /** Every certificate with a {@code renew} block: listener server certificates and route client identities. */
    static List<KeyMaterial> renewed(List<ListenerConfig> listeners, List<RouteConfig> routes) {
        List<KeyMaterial> out = new ArrayList<>();
        listeners.forEach(l -> l.tls().certificates().stream()
                .filter(k -> k.renew().isPresent())
                .forEach(out::add));
        routes.forEach(r -> r.upstream()
                .tls()
                .clientIdentity()
                .filter(k -> k.renew().isPresent())
                .ifPresent(out::add));
        return out;
    }

    private static void writable(FileRef f, Problems problems) {
        Path p = f.path();
        if (java.nio.file.Files.exists(p) && !java.nio.file.Files.isWritable(p)) {
            problems.add(
                    f.source(),
                    f.key(),
                    "cannot be written (permission denied): " + p
                            + " (expected: a file the proxy may replace, since it is renewed)");
        } else if (p.getParent() == null || !java.nio.file.Files.isWritable(p.getParent())) {
            problems.add(
                    f.source(),
                    f.key(),
                    "its directory cannot be written: " + p.getParent()
                            + " (expected: a directory where the proxy may write the renewed file)");
        }
    }

    private static void challengeListener(AcmeIssuerConfig acme, List<ListenerConfig> listeners, Problems problems) {
        Optional<ListenerConfig> listener = listeners.stream()
                .filter(l -> l.name().equals(acme.challengeListener()))
                .findFirst();
        String key = "issuers." + acme.name() + ".challenge-listener";
        if (listener.isEmpty()) {
            List<String> names = listeners.stream().map(ListenerConfig::name).toList();
            problems.add(
                    acme.source(),
                    key,
                    Syntax.quote(acme.challengeListener()) + " names no listener"
                            + " (expected: one of " + String.join(", ", names) + ")"
                            + DidYouMean.hint(acme.challengeListener(), names));
            return;
        }
        TlsMode mode = listener.get().tls().mode();
        if (acme.challenge() == AcmeChallenge.TLS_ALPN_01 && mode == TlsMode.NONE) {
            problems.add(
                    acme.source(),
                    key,
                    "listener " + Syntax.quote(acme.challengeListener())
                            + " is plain (tls.mode = none) and cannot answer tls-alpn-01 (expected: a tls or mtls listener,"
                            + " or challenge = http-01)");
        } else if (acme.challenge() == AcmeChallenge.HTTP_01 && mode != TlsMode.NONE) {
            problems.add(
                    acme.source(),
                    key,
                    "listener " + Syntax.quote(acme.challengeListener()) + " has tls.mode = "
                            + mode.configName() + " and cannot answer http-01, which ACME servers send as plain HTTP"
                            + " (expected: a plain listener, or challenge = tls-alpn-01)");
        }
    }
}
