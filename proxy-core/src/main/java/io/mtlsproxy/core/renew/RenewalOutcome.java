package io.mtlsproxy.core.renew;

import java.util.List;

/** What one pass did: {@code renewed} as "usage owner", {@code errors} as "usage owner: why". */
public record RenewalOutcome(List<String> renewed, List<String> errors) {
    public RenewalOutcome {
        renewed = List.copyOf(renewed);
        errors = List.copyOf(errors);
    }

    public boolean ok() {
        return errors.isEmpty();
    }
}
