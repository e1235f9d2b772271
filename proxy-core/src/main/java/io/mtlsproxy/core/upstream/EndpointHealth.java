package io.mtlsproxy.core.upstream;

import io.mtlsproxy.config.HealthCheck;

/**
 * What active health checks know of one endpoint: healthy until {@code unhealthy-threshold} checks in a row fail,
 * then unhealthy until {@code healthy-threshold} in a row pass; the last result and when the state last changed.
 * Written by the health checker (one check at a time per endpoint), read by every event loop.
 */
public final class EndpointHealth {
    private volatile boolean healthy = true;
    private volatile long sinceMillis = System.currentTimeMillis();
    private volatile String lastResult;
    private volatile long lastCheckMillis;
    private volatile boolean checking;
    private volatile long nextCheckNanos = System.nanoTime();
    private int passes;
    private int failures;

    public boolean healthy() {
        return healthy;
    }

    /** When the active state last changed (epoch millis); the endpoint's creation before any change. */
    public long sinceMillis() {
        return sinceMillis;
    }

    /** {@code pass: 200}, {@code fail: timeout after 1000 ms}, ...; null before the first check. */
    public String lastResult() {
        return lastResult;
    }

    public long lastCheckMillis() {
        return lastCheckMillis;
    }

    /** Claims the next check when it is due and none is running; the caller then runs it and calls record. */
    synchronized boolean claim(long nowNanos, HealthCheck check) {
        if (checking || nowNanos - nextCheckNanos < 0) {
            return false;
        }
        checking = true;
        nextCheckNanos = nowNanos + check.interval().toNanos();
        return true;
    }

    /** A check ended; returns true when it changed the state. */
    synchronized boolean record(boolean passed, String result, HealthCheck check) {
        checking = false;
        lastResult = result;
        lastCheckMillis = System.currentTimeMillis();
        if (passed) {
            failures = 0;
            passes++;
        } else {
            passes = 0;
            failures++;
        }
        boolean flip = healthy ? failures >= check.unhealthyThreshold() : passes >= check.healthyThreshold();
        if (flip) {
            healthy = !healthy;
            sinceMillis = lastCheckMillis;
        }
        return flip;
    }
}
