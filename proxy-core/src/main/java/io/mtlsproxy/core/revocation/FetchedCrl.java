package io.mtlsproxy.core.revocation;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.security.cert.X509CRL;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The CRLs last fetched from one URL and how the last attempts went. Thread-safe: the fetcher thread writes it,
 * snapshot builds and /certs read it. A failed fetch keeps the last good CRLs.
 */
public final class FetchedCrl {
    /** What /certs shows of the fetching: when the last good fetch was, and the last attempt's error if it failed. */
    public record Status(URI url, Optional<Instant> lastFetch, Optional<String> lastError) {
        public Status {
            requireNonNull(url, "url");
            requireNonNull(lastFetch, "lastFetch");
            requireNonNull(lastError, "lastError");
        }
    }

    private record Good(byte[] content, List<X509CRL> crls, Instant at) {}

    private final URI url;
    private volatile Good good;
    private volatile String lastError;
    private int failures; // guarded by this
    private int staleAnswers; // guarded by this

    FetchedCrl(URI url) {
        this.url = requireNonNull(url, "url");
    }

    public URI url() {
        return url;
    }

    /** The last good CRLs, empty until a fetch has succeeded. */
    public Optional<List<X509CRL>> crls() {
        Good g = good;
        return g == null ? Optional.empty() : Optional.of(g.crls());
    }

    public Status status() {
        Good g = good;
        return new Status(url, Optional.ofNullable(g).map(Good::at), Optional.ofNullable(lastError));
    }

    /** Records a good fetch; true when its content differs from the last good one (a change to apply). */
    synchronized boolean succeeded(byte[] content, List<X509CRL> crls, Instant at) {
        Good before = good;
        good = new Good(content.clone(), List.copyOf(crls), at);
        lastError = null;
        failures = 0;
        boolean changed = before == null || !Arrays.equals(before.content(), content);
        if (changed) {
            staleAnswers = 0;
        }
        return changed;
    }

    /** Counts an answer that was already past its nextUpdate; returns how many in a row. */
    synchronized int stale() {
        return ++staleAnswers;
    }

    /** Records a failed fetch; returns how many failed in a row. */
    synchronized int failed(String error) {
        lastError = requireNonNull(error, "error");
        return ++failures;
    }
}
