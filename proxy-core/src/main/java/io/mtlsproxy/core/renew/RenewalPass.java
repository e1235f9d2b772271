package io.mtlsproxy.core.renew;

import io.mtlsproxy.config.ProxyConfig;
import io.mtlsproxy.core.certs.CertificateDescription;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One renewal pass without a running scheduler, for {@code mtls-proxy renew} (cron, or testing a configuration
 * before deploying it): every certificate with a {@code renew} block that is due (or every one, with
 * {@code force}) is renewed on the caller's thread. {@code dryRun} goes all the way through the issuer and the
 * chain checks and writes nothing.
 */
public final class RenewalPass {
    /** One line of the pass: what happened to one certificate. */
    public record Line(String usage, String owner, String issuer, String result, String detail) {
        public boolean failed() {
            return result.equals("failed");
        }
    }

    private RenewalPass() {}

    /** The certificates with a {@code renew} block, as "usage owner", that {@code owner} (if given) selects. */
    public static List<String> targets(ProxyConfig config, Optional<String> owner) {
        return select(config, owner).stream()
                .map(t -> t.usage() + " " + t.owner())
                .toList();
    }

    /** True when a selected certificate renews through ACME (its challenges need the proxy's listeners). */
    public static boolean needsAcme(ProxyConfig config, Optional<String> owner) {
        return select(config, owner).stream().anyMatch(t -> t.issuer().type().equals("acme"));
    }

    public static List<Line> run(
            ProxyConfig config, Issuers issuers, Optional<String> owner, boolean force, boolean dryRun) {
        List<Line> out = new ArrayList<>();
        for (RenewalTarget t : select(config, owner)) {
            String issuer = t.issuer().name();
            try {
                X509Certificate current = CertificateRenewer.current(t);
                Instant at = t.spec()
                        .before()
                        .renewAt(
                                current.getNotBefore().toInstant(),
                                current.getNotAfter().toInstant());
                if (!force && Instant.now().isBefore(at)) {
                    out.add(new Line(t.usage(), t.owner(), issuer, "not-due", "renews at " + at));
                    continue;
                }
                X509Certificate leaf =
                        CertificateRenewer.renew(t, issuers.create(t.issuer()), dryRun, new ReentrantLock());
                out.add(new Line(
                        t.usage(),
                        t.owner(),
                        issuer,
                        dryRun ? "would-renew" : "renewed",
                        "serial "
                                + CertificateDescription.serialHex(leaf.getSerialNumber()) + ", valid until "
                                + leaf.getNotAfter().toInstant() + (dryRun ? " (dry run: nothing written)" : "")));
            } catch (IssueException | RuntimeException e) {
                out.add(new Line(
                        t.usage(),
                        t.owner(),
                        issuer,
                        "failed",
                        e instanceof IssueException ? e.getMessage() : "unexpected: " + e));
            }
        }
        return out;
    }

    private static List<RenewalTarget> select(ProxyConfig config, Optional<String> owner) {
        return RenewalTarget.of(config).stream()
                .filter(t -> owner.map(t.owner()::equals).orElse(true))
                .toList();
    }
}
