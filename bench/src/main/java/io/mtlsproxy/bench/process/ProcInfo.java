package io.mtlsproxy.bench.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** What /proc says about a process: resident memory, CPU time, open-file limits, allowed cores. */
public final class ProcInfo {
    private ProcInfo() {}

    /**
     * VmRSS in KiB of a process and all its descendants (nginx: master and workers). A process that is gone
     * counts 0. Shared pages are counted in each process; the harness only uses differences.
     */
    public static long treeRssKib(ProcessHandle root) {
        return Stream.concat(Stream.of(root), root.descendants())
                .mapToLong(p -> rssKib(p.pid()))
                .sum();
    }

    /**
     * User plus system CPU time in nanoseconds of a process and its live descendants (nginx: master and workers;
     * mtls-proxy: the launcher's JVM), from {@code /proc/PID/stat}, in clock ticks of 10 ms. The harness takes the
     * difference over a measured window of seconds, so a tick is under 1 % of it.
     */
    public static long treeCpuNanos(ProcessHandle root) {
        return Stream.concat(Stream.of(root), root.descendants())
                .mapToLong(p -> cpuNanos(p.pid()))
                .sum();
    }

    static long cpuNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
            return ticks * NANOS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return 0; // the process exited between listing and reading
        }
    }

    /** USER_HZ: 100 on every Linux architecture the JDK runs on (the kernel's ABI fixes it for /proc). */
    private static final long NANOS_PER_TICK = 10_000_000L;

    public static long rssKib(long pid) {
        return statusField(pid, "VmRSS:");
    }

    /** Cores the kernel has online (whatever this process is pinned to), from /sys. */
    public static int onlineCpus() {
        try {
            return CpuPlan.count(
                    Files.readString(Path.of("/sys/devices/system/cpu/online")).trim());
        } catch (IOException | IllegalArgumentException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    /** {@code Cpus_allowed_list} of this JVM, e.g. {@code 0-1}. */
    public static String allowedCpus() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return line.substring("Cpus_allowed_list:".length()).trim();
                }
            }
        } catch (IOException e) {
            // not Linux: nothing to report
        }
        return "?";
    }

    /** This JVM's open-file limit, {@code [soft, hard]}; {@link Long#MAX_VALUE} for unlimited. */
    public static long[] openFileLimits() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    List<String> f = List.of(
                            line.substring("Max open files".length()).trim().split("\\s+"));
                    return new long[] {limit(f.get(0)), limit(f.get(1))};
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return new long[] {1024, 1024};
    }

    private static long limit(String value) {
        return value.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(value);
    }

    private static long statusField(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process exited between listing and reading
        }
        return 0;
    }
}
