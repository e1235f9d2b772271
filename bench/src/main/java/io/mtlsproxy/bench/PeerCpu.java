package io.mtlsproxy.bench;

import io.mtlsproxy.bench.load.LoadGenerator;
import io.mtlsproxy.bench.process.ProcInfo;

/**
 * The peer's CPU time over a row's measured window (all its processes: nginx's workers, the proxy's JVM), so that a
 * row can say what each request cost the peer and not only how many it answered: two peers at the same rate on a
 * pinned core can spend very different shares of it.
 */
final class PeerCpu implements LoadGenerator.WindowWatch {
    private final ProcessHandle peer;
    private long openedAt;
    private long openedCpu;
    private long closedAt;
    private long closedCpu;

    PeerCpu(ProcessHandle peer) {
        this.peer = peer;
    }

    @Override
    public void opened() {
        openedCpu = ProcInfo.treeCpuNanos(peer);
        openedAt = System.nanoTime();
    }

    @Override
    public void closed() {
        closedCpu = ProcInfo.treeCpuNanos(peer);
        closedAt = System.nanoTime();
    }

    /** Microseconds of the peer's CPU per unit of work done in the window, or null when nothing was measured. */
    Double microsPer(long work) {
        if (work <= 0 || closedAt <= openedAt) {
            return null;
        }
        return (closedCpu - openedCpu) / 1000.0 / work;
    }
}
