package io.mtlsproxy.admin.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Just enough of a Prometheus text-format parser to find series by name and labels in a test. */
public final class PromText {
    public record Sample(String name, Map<String, String> labels, double value) {}

    private PromText() {}

    public static List<Sample> samples(String exposition, String name) {
        List<Sample> out = new ArrayList<>();
        for (String line : exposition.split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String metric = brace >= 0 ? line.substring(0, brace) : line.substring(0, line.indexOf(' '));
            if (!metric.equals(name)) {
                continue;
            }
            Map<String, String> labels =
                    brace >= 0 ? labels(line.substring(brace + 1, line.lastIndexOf('}'))) : Map.of();
            out.add(new Sample(metric, labels, Double.parseDouble(line.substring(space + 1))));
        }
        return out;
    }

    /** Parses {@code a="x",b="y\"z"}, undoing the format's escapes. */
    static Map<String, String> labels(String s) {
        Map<String, String> labels = new LinkedHashMap<>();
        int i = 0;
        while (i < s.length()) {
            int eq = s.indexOf('=', i);
            String key = s.substring(i, eq).trim();
            StringBuilder value = new StringBuilder();
            int j = eq + 2; // past ="
            while (s.charAt(j) != '"') {
                char c = s.charAt(j);
                if (c == '\\') {
                    char n = s.charAt(++j);
                    value.append(n == 'n' ? '\n' : n);
                } else {
                    value.append(c);
                }
                j++;
            }
            labels.put(key, value.toString());
            i = j + 1;
            if (i < s.length() && s.charAt(i) == ',') {
                i++;
            }
        }
        return labels;
    }
}
