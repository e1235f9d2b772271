package io.mtlsproxy.core.renew;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/** What the admin plane may see and ask of certificate renewal: the states, and "renew now". */
public interface Renewals {
    /** A proxy without any {@code renew} block. */
    Renewals NONE = new Renewals() {
        @Override
        public Collection<RenewalStatus> statuses() {
            return List.of();
        }

        @Override
        public CompletableFuture<RenewalOutcome> renewNow(Predicate<RenewalStatus> filter) {
            return CompletableFuture.completedFuture(new RenewalOutcome(List.of(), List.of()));
        }
    };

    Collection<RenewalStatus> statuses();

    /** Renews every certificate {@code filter} keeps, due or not; never on the caller's thread. */
    CompletableFuture<RenewalOutcome> renewNow(Predicate<RenewalStatus> filter);
}
