package io.mtlsproxy.core.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a table of hostile requests: one case a line, {@code name expect request}, {@code #} comments. The request
 * is written with escapes ({@code \r \n \t \0 \xHH \\}) and {@code {N*text}} for text repeated N times, so that
 * every byte of a case stays visible in the table.
 */
public final class HostileRequests {
    private static final Pattern REPEAT = Pattern.compile("\\{(\\d+)\\*([^}]*)}");

    /** One case: its name, the expected outcome and the raw bytes to send. */
    public record Case(String name, String expect, String written) {
        public byte[] bytes() {
            return unescape(expand(written));
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private HostileRequests() {}

    public static List<Case> load(String resource) {
        try (InputStream in = HostileRequests.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no resource " + resource);
            }
            List<Case> cases = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.trim().split("\\s+", 3);
                if (parts.length < 3) {
                    throw new IllegalArgumentException("expected: name expect request, got: " + line);
                }
                cases.add(new Case(parts[0], parts[1], parts[2]));
            }
            return cases;
        } catch (IOException e) {
            throw new IllegalStateException(resource, e);
        }
    }

    static String expand(String written) {
        Matcher m = REPEAT.matcher(written);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(2).repeat(Integer.parseInt(m.group(1)))));
        }
        m.appendTail(out);
        return out.toString();
    }

    static byte[] unescape(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                out.write(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'r' -> out.write('\r');
                case 'n' -> out.write('\n');
                case 't' -> out.write('\t');
                case '0' -> out.write(0);
                case '\\' -> out.write('\\');
                case 'x' -> {
                    out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                    i += 2;
                }
                default -> throw new IllegalArgumentException("unknown escape \\" + e + " in " + s);
            }
        }
        return out.toByteArray();
    }
}
