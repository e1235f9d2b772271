package io.mtlsproxy.core.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a {@link TestOrigin} saw, parsed from its echo body. */
public record Echo(Map<String, String> fields, List<String[]> headers) {
    public static Echo parse(String body) {
        Map<String, String> fields = new LinkedHashMap<>();
        List<String[]> headers = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("h:")) {
                int eq = line.indexOf('=');
                headers.add(new String[] {line.substring(2, eq), line.substring(eq + 1)});
            } else if (line.contains("=")) {
                int eq = line.indexOf('=');
                fields.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return new Echo(fields, headers);
    }

    public String origin() {
        return fields.get("origin");
    }

    public String uri() {
        return fields.get("uri");
    }

    /** The subject of the client certificate the origin received, "-" when none. */
    public String peer() {
        return fields.get("peer");
    }

    /** The serial (lowercase hex) of the client certificate the origin received, "-" when none. */
    public String peerSerial() {
        return fields.get("peer-serial");
    }

    public int connection() {
        return Integer.parseInt(fields.get("conn"));
    }

    /** The first value of a header, case-insensitive; null when absent. */
    public String header(String name) {
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                return h[1];
            }
        }
        return null;
    }

    /** Every header name exactly as received. */
    public List<String> headerNames() {
        return headers.stream().map(h -> h[0]).toList();
    }

    public long count(String name) {
        return headers.stream().filter(h -> h[0].equalsIgnoreCase(name)).count();
    }
}
