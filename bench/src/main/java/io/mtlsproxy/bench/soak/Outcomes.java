package io.mtlsproxy.bench.soak;

import static java.util.Objects.requireNonNull;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Every request's outcome, by flow: answered as expected, or failed with a kind ({@code status 502}, {@code body},
 * {@code reset}, {@code timeout}, {@code connect}, {@code tls}). A failure is <em>expected</em> only when the fault
 * the soak injected explains it: a 502 or 503 on the faulty route while its endpoint was down. Everything else is
 * unexpected, and the soak fails on the first one. Called from the load generator's event loops.
 */
final class Outcomes {
    private static final int KEPT_MESSAGES = 20;

    private final long startNanos;
    private final FaultLog faults;
    private final Map<String, Tally> tallies = new LinkedHashMap<>();
    private final Map<String, Flow> flows = new LinkedHashMap<>();
    private final Set<BigInteger> serverSerials = ConcurrentHashMap.newKeySet();
    private final List<String> unexpectedMessages = new ArrayList<>();

    Outcomes(List<Flow> flows, FaultLog faults, long startNanos) {
        this.faults = requireNonNull(faults, "faults");
        this.startNanos = startNanos;
        for (Flow f : flows) {
            this.flows.put(f.name(), f);
            tallies.put(f.name(), new Tally());
        }
    }

    void ok(Flow flow) {
        tallies.get(flow.name()).ok.increment();
    }

    void failed(Flow flow, String kind, long requestStart, long requestEnd, String detail) {
        Tally t = tallies.get(flow.name());
        boolean expected = flow.faulty()
                && (kind.equals("status 502") || kind.equals("status 503"))
                && faults.explains(requestStart, requestEnd);
        (expected ? t.expected : t.unexpected)
                .computeIfAbsent(kind, k -> new LongAdder())
                .increment();
        if (!expected) {
            synchronized (unexpectedMessages) {
                if (unexpectedMessages.size() < KEPT_MESSAGES) {
                    unexpectedMessages.add(String.format(
                            Locale.ROOT,
                            "t+%.1fs %s %s %s: %s",
                            (requestEnd - startNanos) / 1e9,
                            flow.name(),
                            flow.method(),
                            flow.path(),
                            detail));
                }
            }
        }
    }

    /** A new connection of this flow completed its handshake, showing this server certificate. */
    void connected(Flow flow, BigInteger serverSerial) {
        tallies.get(flow.name()).connections.increment();
        serverSerials.add(serverSerial);
    }

    int serverCertificatesSeen() {
        return serverSerials.size();
    }

    long unexpectedTotal() {
        return tallies.values().stream().mapToLong(t -> sum(t.unexpected)).sum();
    }

    List<String> unexpectedMessages() {
        synchronized (unexpectedMessages) {
            return List.copyOf(unexpectedMessages);
        }
    }

    List<SoakReport.FlowOutcome> snapshot() {
        List<SoakReport.FlowOutcome> out = new ArrayList<>();
        tallies.forEach((name, t) -> out.add(new SoakReport.FlowOutcome(
                name,
                flows.get(name).describe(),
                t.connections.sum(),
                t.ok.sum(),
                counts(t.expected),
                counts(t.unexpected))));
        return out;
    }

    private static Map<String, Long> counts(Map<String, LongAdder> m) {
        Map<String, Long> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    private static long sum(Map<String, LongAdder> m) {
        return m.values().stream().mapToLong(LongAdder::sum).sum();
    }

    private static final class Tally {
        final LongAdder connections = new LongAdder();
        final LongAdder ok = new LongAdder();
        final Map<String, LongAdder> expected = new ConcurrentHashMap<>();
        final Map<String, LongAdder> unexpected = new ConcurrentHashMap<>();
    }
}
