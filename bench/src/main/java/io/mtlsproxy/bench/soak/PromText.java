package io.mtlsproxy.bench.soak;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Just enough of the Prometheus text format to read the proxy's {@code /metrics}: one {@link Line} per sample,
 * with its labels unescaped (certificate subjects carry commas and quotes), and sums over a metric's series.
 */
final class PromText {
    private final List<Line> lines;

    private PromText(List<Line> lines) {
        this.lines = List.copyOf(lines);
    }

    record Line(String name, Map<String, String> labels, double value) {}

    static PromText parse(String text) {
        List<Line> out = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Line parsed = parseLine(line);
            if (parsed != null) {
                out.add(parsed);
            }
        }
        return new PromText(out);
    }

    /**
     * The sum of every series of {@code name} whose labels include all of {@code filter} (alternating keys and
     * values); NaN when there is none, so that a renamed metric shows up as missing instead of as zero.
     */
    double sum(String name, String... filter) {
        double sum = 0;
        boolean found = false;
        for (Line l : lines) {
            if (l.name.equals(name) && matches(l.labels, filter)) {
                sum += l.value;
                found = true;
            }
        }
        return found ? sum : Double.NaN;
    }

    /** Sums of {@code name} grouped by the value of {@code label} (e.g. requests by status), sorted by it. */
    Map<String, Double> sumBy(String name, String label, String... filter) {
        Map<String, Double> out = new TreeMap<>();
        for (Line l : lines) {
            if (l.name.equals(name) && matches(l.labels, filter)) {
                out.merge(l.labels.getOrDefault(label, ""), l.value, Double::sum);
            }
        }
        return out;
    }

    private static boolean matches(Map<String, String> labels, String[] filter) {
        for (int i = 0; i + 1 < filter.length; i += 2) {
            if (!filter[i + 1].equals(labels.get(filter[i]))) {
                return false;
            }
        }
        return true;
    }

    /** {@code name{a="x",b="y"} value [timestamp]}; null for a line that is not a sample. */
    private static Line parseLine(String line) {
        int brace = line.indexOf('{');
        int space = line.indexOf(' ');
        Map<String, String> labels = new LinkedHashMap<>();
        String name;
        int rest;
        if (brace >= 0 && (space < 0 || brace < space)) {
            name = line.substring(0, brace);
            rest = labels(line, brace + 1, labels);
            if (rest < 0) {
                return null;
            }
        } else if (space > 0) {
            name = line.substring(0, space);
            rest = space;
        } else {
            return null;
        }
        String[] fields = line.substring(rest).strip().split("\\s+");
        try {
            return new Line(name, labels, Double.parseDouble(fields[0].replace("+Inf", "Infinity")));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Reads {@code a="x",b="y"}} from {@code i}; returns the index after the closing brace, or -1. */
    private static int labels(String line, int i, Map<String, String> into) {
        while (i < line.length()) {
            char c = line.charAt(i);
            if (c == '}') {
                return i + 1;
            }
            if (c == ',' || c == ' ') {
                i++;
                continue;
            }
            int eq = line.indexOf('=', i);
            if (eq < 0 || eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
                return -1;
            }
            String key = line.substring(i, eq).strip();
            StringBuilder value = new StringBuilder();
            int j = eq + 2;
            for (; j < line.length(); j++) {
                char v = line.charAt(j);
                if (v == '\\' && j + 1 < line.length()) {
                    char e = line.charAt(++j);
                    value.append(e == 'n' ? '\n' : e);
                } else if (v == '"') {
                    break;
                } else {
                    value.append(v);
                }
            }
            into.put(key, value.toString());
            i = j + 1;
        }
        return -1;
    }
}
