package io.mtlsproxy.bench.process;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Every process the harness started and has not stopped yet. A JVM shutdown hook stops them all, so that an
 * interrupted run (Ctrl-C, a failed test) leaves no nginx or proxy behind.
 */
public final class Processes {
    private static final Set<ManagedProcess> LIVE = new LinkedHashSet<>();
    private static boolean hookInstalled;

    private Processes() {}

    static synchronized void register(ManagedProcess p) {
        if (!hookInstalled) {
            Runtime.getRuntime().addShutdownHook(new Thread(Processes::stopAll, "bench-process-reaper"));
            hookInstalled = true;
        }
        LIVE.add(p);
    }

    static synchronized void unregister(ManagedProcess p) {
        LIVE.remove(p);
    }

    /** Stops every process still registered, newest first. */
    public static void stopAll() {
        List<ManagedProcess> all;
        synchronized (Processes.class) {
            all = new ArrayList<>(LIVE);
        }
        for (int i = all.size() - 1; i >= 0; i--) {
            all.get(i).close();
        }
    }
}
