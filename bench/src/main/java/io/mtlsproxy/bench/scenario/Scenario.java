package io.mtlsproxy.bench.scenario;

import static java.util.Objects.requireNonNull;

/** A workload on a leg, e.g. {@code mtls-mtls-16k}: 16 KiB responses, mTLS in, mTLS out. */
public record Scenario(Leg leg, Workload workload) {
    public Scenario {
        requireNonNull(leg, "leg");
        requireNonNull(workload, "workload");
    }

    public String id() {
        return leg.id() + "-" + workload.id();
    }

    public String label() {
        return leg.label() + ", " + workload.label();
    }
}
