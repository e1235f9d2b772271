package io.mtlsproxy.core.reload;

import io.mtlsproxy.config.ConfigError;
import java.util.List;

/** What a reload did: what changed ({@code listeners.public.tls}, {@code routes.orders}, ...), or why it failed. */
public record ReloadResult(boolean ok, List<String> changed, List<ConfigError> errors) {
    public ReloadResult {
        changed = List.copyOf(changed);
        errors = List.copyOf(errors);
    }

    public static ReloadResult success(List<String> changed) {
        return new ReloadResult(true, changed, List.of());
    }

    public static ReloadResult failure(List<ConfigError> errors) {
        return new ReloadResult(false, List.of(), errors);
    }
}
