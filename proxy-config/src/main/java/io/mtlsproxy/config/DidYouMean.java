package io.mtlsproxy.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** Suggests the known word a typo was meant to be: the closest one within a small edit distance. */
final class DidYouMean {
    private static final int MAX_DISTANCE = 2;

    private DidYouMean() {}

    static Optional<String> suggest(String given, Collection<String> known) {
        String g = normalize(given);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            int d = distance(g, normalize(candidate));
            // A short word is "near" everything of its length: require the edits to be under half of it.
            boolean near = d <= MAX_DISTANCE && d * 2 < Math.max(g.length(), candidate.length());
            if (near && d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    /** {@code " (did you mean `x`?)"}, or the empty string when nothing is near. */
    static String hint(String given, Collection<String> known) {
        return suggest(given, known).map(s -> " (did you mean `" + s + "`?)").orElse("");
    }

    /** Case and {@code _} versus {@code -} are the commonest slips; they cost nothing. */
    private static String normalize(String s) {
        return s.toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Optimal string alignment distance: Levenshtein plus the transposition of two neighbours. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    v = Math.min(v, d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        return d[a.length()][b.length()];
    }
}
