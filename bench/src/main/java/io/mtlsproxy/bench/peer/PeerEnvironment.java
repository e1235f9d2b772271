package io.mtlsproxy.bench.peer;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.bench.pki.BenchPki;
import io.mtlsproxy.bench.process.CpuPlan;
import io.mtlsproxy.bench.scenario.Hop;
import java.nio.file.Path;
import java.util.Map;

/**
 * What every peer is started with: the run directory (each peer gets a subdirectory), the shared PKI, the
 * origin's port for each outbound hop, the cores, and the hard open-file limit the peers inherit (a process
 * cannot raise its limit above it without CAP_SYS_RESOURCE, which a container often lacks even for root).
 */
public record PeerEnvironment(
        Path runDir, BenchPki pki, Map<Hop, Integer> originPorts, CpuPlan cpus, long openFileLimit, boolean root) {
    public PeerEnvironment {
        requireNonNull(runDir, "runDir");
        requireNonNull(pki, "pki");
        originPorts = Map.copyOf(requireNonNull(originPorts, "originPorts"));
        requireNonNull(cpus, "cpus");
    }

    public int originPort(Hop outbound) {
        Integer port = originPorts.get(outbound);
        if (port == null) {
            throw new IllegalStateException("origin has no " + outbound.label() + " port");
        }
        return port;
    }

    /** Connections a peer may be asked to hold: bounded by the file limit, leaving room for everything else. */
    public int connectionBudget() {
        return (int) Math.max(256, Math.min(20_000, openFileLimit - 512));
    }

    /** What the root flag is for: nginx as root switches workers to "nobody" unless told otherwise. */
    public boolean runsAsRoot() {
        return root;
    }
}
