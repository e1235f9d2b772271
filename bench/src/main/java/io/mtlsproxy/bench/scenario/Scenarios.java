package io.mtlsproxy.bench.scenario;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The scenario catalog and the {@code --scenarios} syntax (ids, or the groups below, comma separated). */
public final class Scenarios {
    /** Every scenario of a full run, in table order. */
    public static final List<Scenario> ALL = catalog();

    /** What the quick JUnit run covers: one of each workload kind, on the legs that matter most. */
    public static final List<Scenario> QUICK_SUBSET = List.of(
            new Scenario(Leg.MTLS_PLAIN, Workload.SMALL),
            new Scenario(Leg.MTLS_PLAIN, Workload.H2_MTLS), // HTTP/2 over mTLS, on the Netty load generator
            new Scenario(Leg.MTLS_MTLS, Workload.LARGE),
            new Scenario(Leg.MTLS_PLAIN, Workload.HANDSHAKE_TLS13),
            new Scenario(Leg.MTLS_PLAIN, Workload.HANDSHAKE_TLS12),
            new Scenario(Leg.MTLS_MTLS, Workload.STREAM),
            new Scenario(Leg.MTLS_MTLS, Workload.FIXED_RATE),
            new Scenario(Leg.MTLS_PLAIN, Workload.IDLE),
            new Scenario(Leg.TLS_PLAIN, Workload.H2));

    private Scenarios() {}

    private static List<Scenario> catalog() {
        List<Scenario> all = new ArrayList<>();
        for (Leg leg : Leg.ALL) {
            all.add(new Scenario(leg, Workload.SMALL));
            all.add(new Scenario(leg, Workload.LARGE));
        }
        all.add(new Scenario(Leg.MTLS_PLAIN, Workload.HANDSHAKE_TLS13));
        all.add(new Scenario(Leg.MTLS_PLAIN, Workload.HANDSHAKE_TLS12));
        all.add(new Scenario(Leg.MTLS_MTLS, Workload.STREAM));
        all.add(new Scenario(Leg.MTLS_MTLS, Workload.FIXED_RATE));
        all.add(new Scenario(Leg.MTLS_PLAIN, Workload.IDLE));
        all.add(new Scenario(Leg.TLS_PLAIN, Workload.H2));
        all.add(new Scenario(Leg.MTLS_PLAIN, Workload.H2_MTLS));
        all.add(new Scenario(Leg.MTLS_PLAIN, Workload.SMALL_MTLSLOAD));
        return List.copyOf(all);
    }

    /**
     * Parses {@code --scenarios}: scenario ids ({@code mtls-plain-small}), workload ids that select every
     * scenario of that workload ({@code handshake-tls13}, {@code small}), or {@code all} / {@code quick}.
     */
    public static List<Scenario> parse(String spec) {
        Set<Scenario> chosen = new LinkedHashSet<>();
        for (String raw : spec.split(",")) {
            String token = raw.trim().toLowerCase(Locale.ROOT);
            if (token.isEmpty()) {
                continue;
            }
            List<Scenario> match = select(token);
            if (match.isEmpty()) {
                throw new IllegalArgumentException(
                        "scenario: " + token + " (expected: all, quick, a workload (" + workloadIds()
                                + ") or a scenario id such as " + ALL.get(0).id() + ")");
            }
            chosen.addAll(match);
        }
        if (chosen.isEmpty()) {
            throw new IllegalArgumentException("scenarios: empty (expected: at least one)");
        }
        // Keep catalog order whatever order they were named in, so tables line up between runs.
        return ALL.stream().filter(chosen::contains).toList();
    }

    private static List<Scenario> select(String token) {
        if (token.equals("all")) {
            return ALL;
        }
        if (token.equals("quick")) {
            return QUICK_SUBSET;
        }
        List<Scenario> byId = ALL.stream().filter(s -> s.id().equals(token)).toList();
        if (!byId.isEmpty()) {
            return byId;
        }
        return ALL.stream().filter(s -> s.workload().id().equals(token)).toList();
    }

    private static String workloadIds() {
        List<String> ids = new ArrayList<>();
        for (Workload w : Workload.values()) {
            ids.add(w.id());
        }
        return String.join(", ", ids);
    }
}
