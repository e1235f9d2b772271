package io.mtlsproxy.admin.server;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.admin.build.BuildInfo;
import io.mtlsproxy.admin.json.Rfc3339;
import io.mtlsproxy.core.reload.ReloadResult;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What {@code GET /server-info} answers: which build runs, since when, from which file, and how the last reload
 * went. Reloads report here from the reload thread; the admin event loop only reads.
 */
public final class ServerInfo {
    private final BuildInfo build;
    private final Path config;
    private final Clock clock;
    private final Instant startedAt;
    private final AtomicReference<Report.LastReload> lastReload = new AtomicReference<>();

    /** {@code config}: the main file as the operator named it, or null when there is none (tests, embedding). */
    public ServerInfo(BuildInfo build, Path config, Clock clock) {
        this.build = requireNonNull(build, "build");
        this.config = config;
        this.clock = requireNonNull(clock, "clock");
        this.startedAt = clock.instant();
    }

    public void reloaded(ReloadResult result) {
        lastReload.set(new Report.LastReload(Rfc3339.millis(clock.instant()), result.ok() ? "ok" : "error"));
    }

    Report report() {
        Instant now = clock.instant();
        return new Report(
                build.version(),
                build.commit(),
                build.tlsProvider(),
                Rfc3339.millis(startedAt),
                Duration.between(startedAt, now).toSeconds(),
                config == null ? null : config.toAbsolutePath().normalize().toString(),
                lastReload.get());
    }

    /** {@code last_reload} is null until the first reload (the start is not one). */
    record Report(
            String version,
            String commit,
            String tlsProvider,
            String startedAt,
            long uptimeSeconds,
            String config,
            LastReload lastReload) {
        record LastReload(String time, String result) {}
    }
}
