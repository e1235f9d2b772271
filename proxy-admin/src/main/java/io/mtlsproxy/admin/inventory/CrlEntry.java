package io.mtlsproxy.admin.inventory;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.revocation.FetchedCrl;
import io.mtlsproxy.core.tls.CrlUse;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One CRL a listener enforces, as the last inventory evaluation saw it. {@code nextUpdate} is null when absent.
 * {@code location} is a file's path or, with {@code fetch}, the URL it is fetched from.
 */
public record CrlEntry(
        String owner,
        String location,
        String issuer,
        Instant thisUpdate,
        Instant nextUpdate,
        State state,
        Optional<FetchedCrl.Status> fetch) {
    public CrlEntry {
        requireNonNull(owner, "owner");
        requireNonNull(location, "location");
        requireNonNull(thisUpdate, "thisUpdate");
        requireNonNull(state, "state");
        requireNonNull(fetch, "fetch");
    }

    /** A CRL read from a file. */
    public CrlEntry(String owner, Path path, String issuer, Instant thisUpdate, Instant nextUpdate, State state) {
        this(owner, path.toString(), issuer, thisUpdate, nextUpdate, state, Optional.empty());
    }

    static CrlEntry of(CrlUse use, Instant now) {
        X509CRL crl = use.crl();
        Instant next = crl.getNextUpdate() == null ? null : crl.getNextUpdate().toInstant();
        State state = next != null && !now.isBefore(next) ? State.STALE : State.VALID;
        return new CrlEntry(
                use.owner(),
                use.location(),
                CertificateFacts.name(crl.getIssuerX500Principal()),
                crl.getThisUpdate().toInstant(),
                next,
                state,
                use.fetch().map(Supplier::get));
    }

    public String usage() {
        return CrlUse.LISTENER_CRL;
    }

    SeriesKey seriesKey() {
        return new SeriesKey(owner, issuer);
    }

    record SeriesKey(String owner, String issuer) {}

    /** A CRL is stale once its nextUpdate has passed: the issuer promised a newer one by then. */
    public enum State {
        VALID,
        STALE;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
