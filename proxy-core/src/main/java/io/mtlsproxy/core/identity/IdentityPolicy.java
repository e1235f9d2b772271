package io.mtlsproxy.core.identity;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.AllowList;
import io.mtlsproxy.config.ClientIdentity;
import io.mtlsproxy.config.IdentityMode;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * A route's client-identity policy, compiled once per load: who may use the route, checked per request against
 * the identity the handshake established. Any one matching allow-list entry admits; an empty allow-list admits
 * any verified certificate.
 * <ul>
 * <li>subjects: compared as distinguished names ({@link SubjectName}): attribute-name case, spacing and RDN order
 * do not matter, values are compared case-insensitively as X.500 does;</li>
 * <li>dns-sans: exact, or {@code *.example.com} = exactly one left-most label ({@link DnsNames});</li>
 * <li>uri-sans: exact, or a prefix ending in {@code /*} that admits only IDs strictly below that path segment
 * ({@code spiffe://td/ns/prod/*} admits {@code spiffe://td/ns/prod/sa/x}, not {@code .../ns/prod-evil/...} nor
 * {@code .../ns/prod} itself), never through {@code .} or {@code ..} segments, queries or escapes;</li>
 * <li>sha256-fingerprints: hex, case-insensitive, colons and spaces ignored.</li>
 * </ul>
 * This class only decides; answering, report-only (let a denied request pass but count it, by {@link #enforced()})
 * and the denial metric are the admission stage's ({@code admission.IdentityGate}), for every protocol.
 */
public final class IdentityPolicy {
    /** The kinds of allow-list entries a route may have. */
    public enum Kind {
        SUBJECTS,
        DNS_SANS,
        URI_SANS,
        SHA256_FINGERPRINTS
    }

    /** Most routes of a large configuration say nothing about identity: they share one compiled policy. */
    private static final IdentityPolicy NONE = new IdentityPolicy(ClientIdentity.NONE);

    private final boolean require;
    private final IdentityMode mode;
    private final List<SubjectName> subjects;
    private final List<String> dnsPatterns;
    private final Set<String> exactUris;
    private final List<String> uriPrefixes;
    private final Set<String> fingerprints;
    private final Set<Kind> kinds;
    private final Set<String> awsVpceIds;

    private IdentityPolicy(ClientIdentity config) {
        requireNonNull(config, "config");
        AllowList allow = config.allow();
        this.require = config.require();
        this.mode = config.mode();
        List<SubjectName> subjectNames = new ArrayList<>();
        for (String s : allow.subjects()) {
            subjectNames.add(SubjectName.parse(s));
        }
        this.subjects = List.copyOf(subjectNames);
        List<String> dns = new ArrayList<>();
        for (String d : allow.dnsSans()) {
            dns.add(DnsNames.normalize(d));
        }
        this.dnsPatterns = List.copyOf(dns);
        Set<String> exact = new HashSet<>();
        List<String> prefixes = new ArrayList<>();
        for (String u : allow.uriSans()) {
            if (u.endsWith("/*")) {
                prefixes.add(u.substring(0, u.length() - 1)); // keep the slash: "…/ns/prod/"
            } else {
                exact.add(u);
            }
        }
        this.exactUris = Set.copyOf(exact);
        this.uriPrefixes = List.copyOf(prefixes);
        Set<String> prints = new HashSet<>();
        for (String f : allow.sha256Fingerprints()) {
            prints.add(normalizeFingerprint(f));
        }
        this.fingerprints = Set.copyOf(prints);
        EnumSet<Kind> k = EnumSet.noneOf(Kind.class);
        if (!subjects.isEmpty()) {
            k.add(Kind.SUBJECTS);
        }
        if (!dnsPatterns.isEmpty()) {
            k.add(Kind.DNS_SANS);
        }
        if (!allow.uriSans().isEmpty()) {
            k.add(Kind.URI_SANS);
        }
        if (!fingerprints.isEmpty()) {
            k.add(Kind.SHA256_FINGERPRINTS);
        }
        this.kinds = Set.copyOf(k);
        this.awsVpceIds = Set.copyOf(allow.awsVpceIds());
    }

    /**
     * Compiles a policy; an entry that cannot be parsed (a malformed subject DN) throws
     * {@link IllegalArgumentException} with a message naming it (the config loader reports it at load).
     */
    public static IdentityPolicy of(ClientIdentity config) {
        return config.equals(ClientIdentity.NONE) ? NONE : new IdentityPolicy(config);
    }

    public boolean enforced() {
        return mode == IdentityMode.ENFORCE;
    }

    public IdentityMode mode() {
        return mode;
    }

    public boolean requiresCertificate() {
        return require;
    }

    /** Which allow-list kinds this route has; empty = any verified certificate. */
    public Set<Kind> allowListKinds() {
        return kinds;
    }

    /**
     * What to do with a request carrying this identity. A route "needs" an identity when it requires one or has
     * an allow-list (an allow-list cannot admit what it cannot see): then no certificate is 496 and a certificate
     * that failed verification 495. Without that need, such requests pass as anonymous.
     */
    public Decision evaluate(PeerIdentity peer) {
        return evaluate(peer, null);
    }

    /**
     * As {@link #evaluate(PeerIdentity)}, for a connection that came through the AWS VPC endpoint
     * {@code awsVpceId} (null: not through PrivateLink). An {@code aws-vpce-ids} entry admits its endpoint's
     * connections like any other matching entry; {@code require = true} still wants a verified certificate.
     */
    public Decision evaluate(PeerIdentity peer, String awsVpceId) {
        boolean viaAllowedEndpoint = awsVpceId != null && awsVpceIds.contains(awsVpceId);
        boolean needsIdentity = require || !kinds.isEmpty();
        if (!peer.presented() || !peer.verified()) {
            Decision missing = peer.presented() ? Decision.BAD_CERTIFICATE : Decision.NO_CERTIFICATE;
            if (require) {
                return missing;
            }
            if (viaAllowedEndpoint) {
                return Decision.ADMIT;
            }
            return needsIdentity ? missing : awsVpceIds.isEmpty() ? Decision.ADMIT : Decision.NOT_ALLOWED;
        }
        if (viaAllowedEndpoint || (kinds.isEmpty() && awsVpceIds.isEmpty()) || matches(peer)) {
            return Decision.ADMIT;
        }
        return Decision.NOT_ALLOWED;
    }

    private boolean matches(PeerIdentity peer) {
        if (!fingerprints.isEmpty() && peer.sha256() != null && fingerprints.contains(peer.sha256())) {
            return true;
        }
        for (String uri : peer.uriSans()) {
            if (exactUris.contains(uri)) {
                return true;
            }
            for (String prefix : uriPrefixes) {
                if (uri.startsWith(prefix) && safeRemainder(uri.substring(prefix.length()))) {
                    return true;
                }
            }
        }
        if (!dnsPatterns.isEmpty()) {
            for (String dns : peer.dnsSans()) {
                String name = DnsNames.normalize(dns);
                for (String pattern : dnsPatterns) {
                    if (DnsNames.matches(pattern, name)) {
                        return true;
                    }
                }
            }
        }
        if (!subjects.isEmpty() && peer.leaf() != null) {
            X500Principal subject = peer.leaf().getSubjectX500Principal();
            for (SubjectName allowed : subjects) {
                if (allowed.matches(subject)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * What follows a {@code /*} prefix must be a plain relative path: at least one segment, no empty, {@code .}
     * or {@code ..} segment (which could climb back out of the prefix), and only the SPIFFE path characters, so
     * no query, fragment or percent-escape can smuggle anything past the prefix.
     */
    static boolean safeRemainder(String rest) {
        if (rest.isEmpty()) {
            return false;
        }
        for (String segment : rest.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
            for (int i = 0; i < segment.length(); i++) {
                char c = segment.charAt(i);
                boolean ok = (c >= 'a' && c <= 'z')
                        || (c >= 'A' && c <= 'Z')
                        || (c >= '0' && c <= '9')
                        || c == '-'
                        || c == '.'
                        || c == '_';
                if (!ok) {
                    return false;
                }
            }
        }
        return true;
    }

    static String normalizeFingerprint(String fingerprint) {
        StringBuilder b = new StringBuilder(64);
        for (int i = 0; i < fingerprint.length(); i++) {
            char c = fingerprint.charAt(i);
            if (c != ':' && !Character.isWhitespace(c)) {
                b.append(Character.toLowerCase(c));
            }
        }
        return b.toString().toLowerCase(Locale.ROOT);
    }

    /** The outcome and the status DESIGN.md gives it. */
    public enum Decision {
        ADMIT(200, null),
        /** a certificate was presented but failed verification (optional client auth) */
        BAD_CERTIFICATE(495, "the client certificate failed verification"),
        /** the route requires a certificate and none was presented (optional client auth) */
        NO_CERTIFICATE(496, "this route requires a client certificate and none was presented"),
        /** valid certificate, not on the route's allow-list */
        NOT_ALLOWED(403, "the client certificate is not allowed on this route");

        private final int status;
        private final String reason;

        Decision(int status, String reason) {
            this.status = status;
            this.reason = reason;
        }

        public int status() {
            return status;
        }

        public String reason() {
            return reason;
        }
    }
}
