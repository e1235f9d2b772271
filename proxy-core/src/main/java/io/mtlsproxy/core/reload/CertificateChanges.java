package io.mtlsproxy.core.reload;

import io.mtlsproxy.core.inbound.Listener;
import io.mtlsproxy.core.routing.Route;
import io.mtlsproxy.core.tls.CertificateUse;
import io.mtlsproxy.core.tls.CrlUse;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The certificates and CRLs a reload brought in and took out, one line each, so that an operator who rotated a
 * certificate sees in the log which serial the proxy now serves ({@code listener edge: listener-server in use:
 * CN=api, serial 5f3a…, not after 2026-05-01T00:00:00Z}) without reading /certs.
 */
public final class CertificateChanges {
    private CertificateChanges() {}

    public static List<String> between(Snapshot old, Snapshot next) {
        List<String> lines = new ArrayList<>();
        Set<Key> before = keys(changedUses(old, next));
        Set<Key> after = keys(changedUses(next, old));
        for (Key k : after) {
            if (!before.contains(k)) {
                lines.add(k.owner() + ": " + k.usage() + " in use: " + describe(k.certificate()));
            }
        }
        for (Key k : before) {
            if (!after.contains(k)) {
                lines.add(k.owner() + ": " + k.usage() + " retired: " + describe(k.certificate()));
            }
        }
        Set<CrlKey> crlsBefore = crlKeys(old.crls());
        for (CrlKey k : crlKeys(next.crls())) {
            if (!crlsBefore.contains(k)) {
                lines.add(k.owner() + ": " + CrlUse.LISTENER_CRL + " in use: " + describe(k.crl()));
            }
        }
        return lines;
    }

    /**
     * The certificates of {@code a} whose owner holds other TLS objects in {@code b}: a listener or route that kept
     * its TLS (the same {@code ServerTls} or cluster) kept its certificates, and a thousand of them need no look.
     */
    private static List<CertificateUse> changedUses(Snapshot a, Snapshot b) {
        List<CertificateUse> uses = new ArrayList<>();
        for (Listener l : a.listeners()) {
            Listener other = b.listener(l.config().name());
            if (l.tls().isPresent()
                    && (other == null || other.tls().orElse(null) != l.tls().get())) {
                uses.addAll(l.tls().get().certificates());
            }
        }
        for (Route r : a.routes().values()) {
            Route other = b.routes().get(r.name());
            if (r.upstream().tls().isPresent() && (other == null || other.upstream() != r.upstream())) {
                uses.addAll(r.upstream().tls().get().certificates());
            }
        }
        return uses;
    }

    private static String describe(X509Certificate c) {
        return c.getSubjectX500Principal().getName() + ", serial "
                + c.getSerialNumber().toString(16) + ", not after "
                + c.getNotAfter().toInstant();
    }

    private static String describe(X509CRL crl) {
        int revoked = crl.getRevokedCertificates() == null
                ? 0
                : crl.getRevokedCertificates().size();
        return crl.getIssuerX500Principal().getName() + ", " + revoked + " revoked, this update "
                + crl.getThisUpdate().toInstant() + ", next update "
                + (crl.getNextUpdate() == null ? "none" : crl.getNextUpdate().toInstant());
    }

    private static Set<Key> keys(List<CertificateUse> uses) {
        Set<Key> keys = new LinkedHashSet<>();
        for (CertificateUse u : uses) {
            keys.add(new Key(ownerOf(u.usage(), u.owner()), u.usage(), u.certificate()));
        }
        return keys;
    }

    private static Set<CrlKey> crlKeys(List<CrlUse> uses) {
        Set<CrlKey> keys = new LinkedHashSet<>();
        for (CrlUse u : uses) {
            keys.add(new CrlKey("listener " + u.owner(), u.crl()));
        }
        return keys;
    }

    private static String ownerOf(String usage, String owner) {
        return (usage.startsWith("listener") ? "listener " : "route ") + owner;
    }

    private record Key(String owner, String usage, X509Certificate certificate) {}

    private record CrlKey(String owner, X509CRL crl) {}
}
