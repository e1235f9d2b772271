package io.mtlsproxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/** Reload by polling the files the configuration names ({@code watch}), besides SIGHUP and POST /reload. */
public record ReloadConfig(boolean watch, Duration interval) {
    public static final ReloadConfig DEFAULT = new ReloadConfig(true, Duration.ofSeconds(10));

    public ReloadConfig {
        requireNonNull(interval, "interval");
    }
}
