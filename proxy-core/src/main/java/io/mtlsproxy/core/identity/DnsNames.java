package io.mtlsproxy.core.identity;

import java.util.Locale;

/**
 * DNS name matching shared by upstream hostname verification and the identity allow-lists: exact
 * (case-insensitive, a trailing dot ignored), or a {@code *.} wildcard that stands for exactly one left-most label
 * ({@code *.example.com} covers {@code a.example.com}, not {@code example.com} nor {@code a.b.example.com}).
 * Partial-label wildcards ({@code f*.example.com}) and wildcards over a single label ({@code *.com}) never match.
 */
public final class DnsNames {
    private DnsNames() {}

    public static String normalize(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    /** Both arguments already {@link #normalize normalized}. */
    public static boolean matches(String pattern, String name) {
        if (pattern.isEmpty() || name.isEmpty()) {
            return false;
        }
        if (!pattern.startsWith("*.")) {
            return pattern.equals(name);
        }
        String suffix = pattern.substring(1); // ".example.com"
        if (suffix.indexOf('.', 1) < 0 || suffix.indexOf('*') >= 0) {
            return false; // "*.com" or several wildcards: never
        }
        if (!name.endsWith(suffix) || name.length() == suffix.length()) {
            return false;
        }
        String label = name.substring(0, name.length() - suffix.length());
        return label.indexOf('.') < 0 && label.indexOf('*') < 0;
    }
}
