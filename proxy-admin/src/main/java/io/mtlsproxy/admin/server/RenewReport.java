package io.mtlsproxy.admin.server;

import io.mtlsproxy.core.renew.RenewalOutcome;
import java.util.List;

/** The body of {@code POST /renew}: {@code ok} with what was renewed, or {@code error} with why not. */
record RenewReport(String result, List<String> renewed, List<String> errors) {
    static RenewReport of(RenewalOutcome outcome) {
        return new RenewReport(outcome.ok() ? "ok" : "error", outcome.renewed(), outcome.errors());
    }
}
