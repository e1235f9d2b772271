package io.mtlsproxy.bench.soak;

/**
 * One reading of the proxy process, {@code t} seconds into the soak. Memory in MiB. {@code heapAfterGcMib} is set
 * only on readings taken right after a forced full GC (the live set); a value is null when the proxy did not
 * report it. {@code reloadsOk}/{@code reloadsFailed} are the proxy's counters at that moment.
 */
public record Sample(
        double t,
        Double heapUsedMib,
        Double heapAfterGcMib,
        Double nettyDirectMib,
        Double jvmDirectMib,
        Long openFds,
        Double threads,
        Double rssMib,
        Double reloadsOk,
        Double reloadsFailed,
        double loadAverage) {}
