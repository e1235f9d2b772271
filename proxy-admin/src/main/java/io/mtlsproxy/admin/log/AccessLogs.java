package io.mtlsproxy.admin.log;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.mtlsproxy.config.AccessLogFormat;
import io.mtlsproxy.core.metrics.AccessLog;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;

/** Opens the access log the {@code access-log} setting names: {@code "stdout"}, {@code "off"}, or a file path. */
public final class AccessLogs {
    private AccessLogs() {}

    /**
     * {@code "off"} → {@link AccessLog#OFF} (nothing is built or queued); {@code "stdout"} or {@code "stderr"} →
     * that stream; anything else is a file, opened for appending (created when missing; a relative path is
     * resolved against the working directory, so resolve it against the config file first).
     *
     * @throws UncheckedIOException when the file cannot be opened, naming it
     */
    public static AccessLog open(String setting) {
        return open(setting, null);
    }

    /** As {@link #open(String)}, and counts dropped entries as {@code mtls_proxy_access_log_dropped_total}. */
    public static AccessLog open(String setting, MeterRegistry registry) {
        return open(setting, AccessLogFormat.DEFAULT, registry);
    }

    /** As {@link #open(String, MeterRegistry)}, with lines shaped by {@code format} (access-log.format, fields). */
    public static AccessLog open(String setting, AccessLogFormat format, MeterRegistry registry) {
        String value = setting == null ? "" : setting.trim();
        JsonAccessLog log;
        switch (value.toLowerCase(Locale.ROOT)) {
            case "off" -> {
                return AccessLog.OFF;
            }
            case "" ->
                throw new IllegalArgumentException("access-log: empty (expected: \"stdout\", \"off\" or a file path)");
            case "stdout" ->
                log = new JsonAccessLog(
                        new FileOutputStream(FileDescriptor.out), false, JsonAccessLog.DEFAULT_CAPACITY, format);
            case "stderr" ->
                log = new JsonAccessLog(
                        new FileOutputStream(FileDescriptor.err), false, JsonAccessLog.DEFAULT_CAPACITY, format);
            default -> log = appendingTo(Path.of(value), format);
        }
        if (registry != null) {
            FunctionCounter.builder("mtls_proxy_access_log_dropped", log, JsonAccessLog::dropped)
                    .description("Access log entries dropped because the writer could not keep up or failed")
                    .register(registry);
        }
        return log;
    }

    private static JsonAccessLog appendingTo(Path file, AccessLogFormat format) {
        try {
            return JsonAccessLog.appendingTo(file, JsonAccessLog.DEFAULT_CAPACITY, format);
        } catch (IOException e) {
            throw new UncheckedIOException("access-log: cannot open " + file + " for appending: " + e.getMessage(), e);
        }
    }

    /** Reopens a file log after a rotation (SIGUSR1); other logs ignore it. */
    public static void reopen(AccessLog log) {
        if (log instanceof JsonAccessLog json) {
            json.reopen();
        }
    }
}
