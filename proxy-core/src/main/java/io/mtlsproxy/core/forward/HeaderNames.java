package io.mtlsproxy.core.forward;

/**
 * Header name comparisons that allocate nothing: the data path checks every header of every request and response
 * against the hop-by-hop and forwarded names, and lower-casing each name into a new String showed in profiles.
 */
final class HeaderNames {
    private HeaderNames() {}

    /** {@code name} equals {@code lower} (a lower-case ASCII name) ignoring ASCII case. */
    static boolean is(CharSequence name, String lower) {
        int n = lower.length();
        if (name.length() != n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (toLower(name.charAt(i)) != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** As {@link #is}, but an underscore in {@code name} also stands for a dash in {@code lower}. */
    static boolean isSpelledAs(CharSequence name, String lower) {
        int n = lower.length();
        if (name.length() != n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = toLower(name.charAt(i));
            char want = lower.charAt(i);
            if (c != want && !(c == '_' && want == '-')) {
                return false;
            }
        }
        return true;
    }

    /** {@code name} (a header name, or a request target) starts with {@code lowerPrefix} ignoring ASCII case. */
    static boolean startsWith(CharSequence name, String lowerPrefix) {
        int n = lowerPrefix.length();
        if (name.length() < n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (toLower(name.charAt(i)) != lowerPrefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static char toLower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
    }
}
