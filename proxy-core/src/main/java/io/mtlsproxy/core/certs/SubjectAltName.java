package io.mtlsproxy.core.certs;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.bouncycastle.util.IPAddress;

/**
 * One subject alternative name ({@code DNS:api.example.com}, {@code IP:127.0.0.1},
 * {@code URI:spiffe://example.org/ns/prod/sa/checkout}), plus the validation of what the PKI tooling puts in one.
 */
public record SubjectAltName(Kind kind, String value) {
    /** The SAN types a TLS peer is identified by; anything else is {@code OTHER}. */
    public enum Kind {
        DNS,
        IP,
        URI,
        EMAIL,
        OTHER
    }

    private static final Pattern DNS_LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final Pattern TRUST_DOMAIN = Pattern.compile("[a-z0-9._-]+");
    private static final Pattern PATH_SEGMENT = Pattern.compile("[A-Za-z0-9._-]+");
    private static final String SPIFFE_FORM = "spiffe://trust-domain/path";

    public SubjectAltName {
        requireNonNull(kind, "kind");
        requireNonNull(value, "value");
    }

    /** {@code DNS:name}, {@code IP:address}, {@code URI:uri}, {@code EMAIL:address}: the form inspect prints. */
    @Override
    public String toString() {
        return kind + ":" + value;
    }

    /** Every SAN of a certificate, in certificate order; empty when it has none. */
    public static List<SubjectAltName> of(X509Certificate certificate) {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("unreadable subjectAltName extension: " + e.getMessage(), e);
        }
        List<SubjectAltName> out = new ArrayList<>();
        if (names == null) {
            return out;
        }
        for (List<?> name : names) {
            int type = (Integer) name.get(0);
            Object value = name.get(1);
            Kind kind = switch (type) {
                case 2 -> Kind.DNS;
                case 7 -> Kind.IP;
                case 6 -> Kind.URI;
                case 1 -> Kind.EMAIL;
                default -> Kind.OTHER;
            };
            out.add(new SubjectAltName(kind, value instanceof String s ? s : "type-" + type));
        }
        return out;
    }

    /**
     * The values of one kind of SAN, in certificate order. A certificate whose extension cannot be read has none:
     * the data path then matches no name against it rather than failing the handshake here.
     */
    public static List<String> values(X509Certificate certificate, Kind kind) {
        List<SubjectAltName> all;
        try {
            all = of(certificate);
        } catch (IllegalArgumentException unreadable) {
            return List.of();
        }
        List<String> out = new ArrayList<>(2);
        for (SubjectAltName san : all) {
            if (san.kind == kind) {
                out.add(san.value);
            }
        }
        return out;
    }

    /**
     * A DNS name as RFC 5280 wants it in a SAN: letters, digits and hyphens in labels of at most 63 characters,
     * at most 253 in all, optionally a leading {@code *.} wildcard label.
     */
    public static String dnsName(String name) {
        requireNonNull(name, "name");
        String host = name.startsWith("*.") ? name.substring(2) : name;
        String problem = null;
        if (host.endsWith(".")) {
            problem = "without the trailing dot";
        } else if (name.length() > 253 || host.isEmpty()) {
            problem = "a host name of 1..253 characters";
        } else {
            for (String label : host.split("\\.", -1)) {
                if (!DNS_LABEL.matcher(label).matches()) {
                    problem = "a host name: labels of letters, digits and '-', optionally a leading '*.'";
                    break;
                }
            }
        }
        if (problem != null) {
            throw new IllegalArgumentException("dns: " + name + " (expected: " + problem + ")");
        }
        return name;
    }

    /** True when {@code name} passes {@link #dnsName(String)}. */
    public static boolean isDnsName(String name) {
        try {
            dnsName(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * An IPv4 or IPv6 literal, normalised ({@code ::1} stays {@code 0:0:0:0:0:0:0:1} as Java prints it). Checked
     * as a literal first: {@code InetAddress.getByName} on anything else would do a DNS lookup.
     */
    public static String ipLiteral(String ip) {
        requireNonNull(ip, "ip");
        if (!IPAddress.isValid(ip)) {
            throw new IllegalArgumentException("ip: " + ip + " (expected: an IPv4 or IPv6 literal)");
        }
        try {
            return InetAddress.getByName(ip).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("ip: " + ip + " (expected: an IPv4 or IPv6 literal)", e);
        }
    }

    /** True when {@code ip} is an IPv4 or IPv6 literal. */
    public static boolean isIpLiteral(String ip) {
        return IPAddress.isValid(ip);
    }

    /**
     * A workload SPIFFE ID as the SPIFFE spec defines it: {@code spiffe://trust-domain/path}, the trust domain in
     * lowercase letters, digits, '.', '-' and '_' (no port, no user info), a non-empty path of segments of
     * letters, digits, '.', '-' and '_' (no empty, '.' or '..' segment, no trailing '/'), no query or fragment.
     */
    public static String spiffeId(String uri) {
        requireNonNull(uri, "uri");
        String problem = spiffeProblem(uri);
        if (problem != null) {
            throw new IllegalArgumentException("uri: " + uri + " (expected: " + SPIFFE_FORM + "; " + problem + ")");
        }
        return uri;
    }

    private static String spiffeProblem(String uri) {
        if (!uri.startsWith("spiffe://")) {
            return uri.toLowerCase(Locale.ROOT).startsWith("spiffe://")
                    ? "the scheme in lowercase"
                    : "the spiffe scheme";
        }
        if (uri.length() > 2048) {
            return "at most 2048 characters";
        }
        String rest = uri.substring("spiffe://".length());
        int slash = rest.indexOf('/');
        String trustDomain = slash < 0 ? rest : rest.substring(0, slash);
        if (trustDomain.isEmpty() || !TRUST_DOMAIN.matcher(trustDomain).matches()) {
            return "a trust domain of lowercase letters, digits, '.', '-', '_' (no port, no user info)";
        }
        if (slash < 0 || slash == rest.length() - 1) {
            return "a workload path after the trust domain";
        }
        for (String segment : rest.substring(slash + 1).split("/", -1)) {
            if (segment.isEmpty()
                    || segment.equals(".")
                    || segment.equals("..")
                    || !PATH_SEGMENT.matcher(segment).matches()) {
                return "path segments of letters, digits, '.', '-', '_' (no empty, '.' or '..' segment, "
                        + "no query or fragment)";
            }
        }
        return null;
    }
}
