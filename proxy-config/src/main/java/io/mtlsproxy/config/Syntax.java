package io.mtlsproxy.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.security.auth.x500.X500Principal;

/**
 * The shapes of values: names, host names, endpoints, URIs, fingerprints and distinguished names. Each check
 * returns what was expected when the value does not fit, or empty when it does. No DNS lookup: names are
 * resolved later, off the event loop.
 */
final class Syntax {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?");
    private static final Pattern HEX64 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+(%[A-Za-z0-9._-]+)?");
    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");

    private Syntax() {}

    /** A string value as it appears in a message: in double quotes. */
    static String quote(String s) {
        return "\"" + s + "\"";
    }

    /** Listener and route names end up in metric labels and log lines: keep them plain. */
    static Optional<String> checkName(String name) {
        return NAME.matcher(name).matches()
                ? Optional.empty()
                : Optional.of("letters, digits, '.', '_' or '-', starting with a letter or digit");
    }

    static boolean isHostname(String host) {
        if (host.isEmpty() || host.length() > 253) {
            return false;
        }
        String h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        for (String label : h.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    /** An IPv6 literal (RFC 4291 text forms, optionally with a trailing IPv4 part and a %zone). */
    static boolean isIpv6(String host) {
        String h = host.indexOf('%') >= 0 ? host.substring(0, host.indexOf('%')) : host;
        if (!IPV6.matcher(host).matches() || h.indexOf(':') < 0) {
            return false;
        }
        int doubleColon = h.indexOf("::");
        if (doubleColon >= 0 && h.indexOf("::", doubleColon + 1) >= 0) {
            return false;
        }
        int groups = 0;
        String[] parts = h.split(":", -1);
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            boolean last = i == parts.length - 1;
            if (part.isEmpty()) {
                continue; // the ends of a "::"; a lone leading or trailing ':' is caught by the count below
            }
            if (last && part.indexOf('.') >= 0) {
                if (!IPV4.matcher(part).matches()) {
                    return false;
                }
                groups += 2;
            } else if (part.length() > 4 || part.indexOf('.') >= 0) {
                return false;
            } else {
                groups++;
            }
        }
        if (doubleColon < 0) {
            return groups == 8 && !h.startsWith(":") && !h.endsWith(":");
        }
        boolean strayColon = (h.startsWith(":") && !h.startsWith("::")) || (h.endsWith(":") && !h.endsWith("::"));
        return groups <= 7 && !strayColon;
    }

    /** A host name, or {@code *.} and a host name (one leftmost wildcard label). */
    static Optional<String> checkHostPattern(String host) {
        String h = host.startsWith("*.") ? host.substring(2) : host;
        return isHostname(h)
                ? Optional.empty()
                : Optional.of("a host name such as api.example.com or *.example.com, without a port");
    }

    /** An address to bind: an IP literal or a host name; {@code [::]} is taken as {@code ::}. */
    static String unbracket(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    static boolean isBindAddress(String bind) {
        String b = unbracket(bind);
        return isIpv6(b) || isHostname(b);
    }

    /** {@code host:port} or {@code [v6]:port}, port 1..65535. */
    static Optional<Endpoint> parseEndpoint(String text) {
        String s = text.trim();
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf("]:");
            if (close < 0) {
                return Optional.empty();
            }
            host = s.substring(1, close);
            port = s.substring(close + 2);
            if (!isIpv6(host)) {
                return Optional.empty();
            }
        } else {
            int colon = s.lastIndexOf(':');
            if (colon < 0 || s.indexOf(':') != colon) {
                return Optional.empty();
            }
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
            if (!isHostname(host)) {
                return Optional.empty();
            }
        }
        try {
            int p = Integer.parseInt(port);
            // interned: thousands of routes may name the same origin
            return p >= 1 && p <= 65535 ? Optional.of(new Endpoint(host.intern(), p)) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    static final String ENDPOINT_EXPECTED =
            "host:port with a port of 1..65535, e.g. \"10.0.0.5:9443\"," + " \"orders.internal:443\" or \"[::1]:9443\"";

    /**
     * An absolute URI (a SPIFFE ID or any other scheme), optionally ending in {@code /*} to admit every URI under
     * that prefix. A wildcard anywhere else is refused: it would look like a glob and not be one.
     */
    static Optional<String> checkUriSan(String text, boolean prefixAllowed) {
        String expected = "an absolute URI such as spiffe://example.org/ns/prod/sa/app"
                + (prefixAllowed ? ", or a prefix ending in /*" : "");
        String u = prefixAllowed && text.endsWith("/*") ? text.substring(0, text.length() - 2) : text;
        if (u.contains("*")) {
            return Optional.of(expected);
        }
        try {
            URI uri = new URI(u);
            if (!uri.isAbsolute()) {
                return Optional.of(expected);
            }
            if (uri.getScheme().equalsIgnoreCase("spiffe")
                    && (uri.getHost() == null || uri.getHost().isEmpty())) {
                return Optional.of("a SPIFFE ID with a trust domain: spiffe://TRUST-DOMAIN/PATH");
            }
            return Optional.empty();
        } catch (URISyntaxException e) {
            return Optional.of(expected);
        }
    }

    /** 64 hex digits, colons allowed; normalized to lowercase without colons (the form of /certs). */
    static Optional<String> normalizeFingerprint(String text) {
        String hex = text.trim().replace(":", "");
        return HEX64.matcher(hex).matches() ? Optional.of(hex.toLowerCase(Locale.ROOT)) : Optional.empty();
    }

    static Optional<String> checkDistinguishedName(String dn) {
        try {
            new X500Principal(dn);
            return dn.isBlank()
                    ? Optional.of("a distinguished name such as CN=orders-client,O=Example")
                    : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of("a distinguished name such as CN=orders-client,O=Example");
        }
    }

    /** A DNS SAN pattern: a host name or one leftmost {@code *.} wildcard. */
    static Optional<String> checkDnsSan(String text) {
        return checkHostPattern(text).map(x -> "a DNS name such as client.example.com or *.clients.example.com");
    }

    /** Whether the text starts like a URL ({@code scheme://}) rather than a file path. */
    static boolean hasScheme(String text) {
        return text.trim().matches("[A-Za-z][A-Za-z0-9+.-]*://.*");
    }

    /** The text as an absolute URL with a host and one of these schemes, or empty. */
    static Optional<URI> url(String text, java.util.Set<String> schemes) {
        try {
            URI uri = new URI(text.trim());
            if (uri.isAbsolute() && schemes.contains(uri.getScheme()) && uri.getHost() != null) {
                return Optional.of(uri);
            }
        } catch (URISyntaxException e) {
            // not a URL: the caller reports it
        }
        return Optional.empty();
    }

    /** An {@code http://} URL with a host (OCSP responders, CRL distribution points), or empty. */
    static Optional<URI> httpUrl(String text) {
        return url(text, java.util.Set.of("http"));
    }
}
