package io.mtlsproxy.admin.server;

import io.mtlsproxy.config.ConfigError;
import io.mtlsproxy.core.reload.ReloadResult;
import java.util.List;

/** The bodies of {@code POST /reload}: {@code {"result":"ok","changed":[…]}} or {@code {"result":"error","errors":[…]}}. */
final class ReloadReport {
    private ReloadReport() {}

    static Object of(ReloadResult result) {
        if (result.ok()) {
            return new Ok("ok", result.changed());
        }
        return new Failed(
                "error", result.errors().stream().map(ConfigError::toString).toList());
    }

    /** A reload that threw instead of answering: reported like a failed one, the old state is kept. */
    static Object crashed(Throwable error) {
        return new Failed("error", List.of("reload failed: " + error));
    }

    record Ok(String result, List<String> changed) {}

    record Failed(String result, List<String> errors) {}
}
