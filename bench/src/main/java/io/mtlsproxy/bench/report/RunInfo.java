package io.mtlsproxy.bench.report;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;

/**
 * How a run was made, printed above the table and saved with it: when, on what machine, which cores each side
 * had, how long each row ran, the load shape, the versions under test, and anything worth a footnote.
 */
public record RunInfo(
        String startedAt,
        boolean quick,
        String machine,
        String loaderCpus,
        String peerCpus,
        String originCpus,
        int peerWorkers,
        int loaderThreads,
        double durationSeconds,
        double warmupSeconds,
        int connections,
        int handshakeConnections,
        double rate,
        int idleConnections,
        Map<String, String> versions,
        List<String> notes) {
    public RunInfo {
        requireNonNull(startedAt, "startedAt");
        requireNonNull(machine, "machine");
        requireNonNull(loaderCpus, "loaderCpus");
        requireNonNull(peerCpus, "peerCpus");
        requireNonNull(originCpus, "originCpus");
        versions = Map.copyOf(requireNonNull(versions, "versions"));
        notes = List.copyOf(requireNonNull(notes, "notes"));
    }
}
