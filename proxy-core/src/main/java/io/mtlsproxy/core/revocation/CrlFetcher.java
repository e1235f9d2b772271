package io.mtlsproxy.core.revocation;

import io.mtlsproxy.config.CrlUrl;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.config.ProxyConfig;
import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.renew.Backoff;
import java.io.IOException;
import java.net.URI;
import java.security.cert.CRLException;
import java.security.cert.X509CRL;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches the CRLs that listeners name by {@code http://} URL: the first time on the thread that builds the
 * snapshot (a start or reload, never an event loop), then again on one scheduler thread of its own, before each
 * CRL's nextUpdate. A fetch that fails keeps the last good CRLs and is retried with a jittered backoff. A fetch
 * whose content changed is handed to {@code onChange}, which applies it the way a reload does (so the reload's
 * close-revoked path closes the connections of a client it newly revokes).
 */
public final class CrlFetcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CrlFetcher.class);
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** A CA may publish a new CRL long before nextUpdate (it just revoked someone): look at least this often. */
    static final Duration MAX_INTERVAL = Duration.ofHours(1);

    static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
    private static final Backoff RETRY = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(5));

    private final Map<URI, FetchedCrl> tracked = new ConcurrentHashMap<>();
    private final Map<URI, ScheduledFuture<?>> due = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler;
    private volatile Consumer<URI> onChange = url -> {};
    /** OCSP staples share this fetcher's one scheduler thread and its lifetime */
    private final OcspStapler staples;

    private final ClientOcsp clientOcsp = new ClientOcsp();

    private CrlFetcher(boolean refresh) {
        this.scheduler = refresh
                ? Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "mtls-proxy-crl-fetch");
                    t.setDaemon(true);
                    return t;
                })
                : null;
        this.staples = new OcspStapler(scheduler);
    }

    /** The OCSP responses that listeners staple, kept fresh on this fetcher's thread. */
    public OcspStapler staples() {
        return staples;
    }

    /** The OCSP status of client certificates, cached across reloads. */
    public ClientOcsp clientOcsp() {
        return clientOcsp;
    }

    /** Where OCSP results are counted (staples and client checks). */
    public void countOcspInto(OcspResults results) {
        staples.countInto(results);
        clientOcsp.countInto(results);
    }

    /** A fetcher that keeps every CRL fresh for a running proxy. */
    public static CrlFetcher refreshing() {
        return new CrlFetcher(true);
    }

    /** A fetcher that fetches each URL once and never again (check-config, tests of one build). */
    public static CrlFetcher once() {
        return new CrlFetcher(false);
    }

    /** What to do when a refresh brought a different CRL: called on the fetcher's thread. */
    public void onChange(Consumer<URI> action) {
        this.onChange = action;
    }

    /**
     * The CRLs at this URL: the last good ones when it was fetched before, else fetched now on the calling thread
     * (blocking, up to {@link #TIMEOUT}), then kept fresh.
     *
     * @throws IOException when there is no good CRL yet and the fetch failed; the message says why
     */
    public List<X509CRL> ensure(CrlUrl url) throws IOException {
        FetchedCrl f = tracked.computeIfAbsent(url.url(), FetchedCrl::new);
        if (f.crls().isEmpty()) {
            fetch(f);
        }
        return f.crls().orElseThrow(() -> new IOException(f.status().lastError().orElse("not fetched")));
    }

    /** The fetching state of a URL, for /certs. */
    public FetchedCrl.Status status(URI url) {
        FetchedCrl f = tracked.get(url);
        return f == null ? new FetchedCrl.Status(url, Optional.empty(), Optional.empty()) : f.status();
    }

    /** The CRLs held now for each CRL URL of a listener (its own and its hosts groups'); absent until fetched. */
    public Map<URI, List<X509CRL>> held(ListenerTls tls) {
        Map<URI, List<X509CRL>> out = new java.util.HashMap<>();
        List<CrlUrl> urls = new java.util.ArrayList<>();
        tls.crlUrl().ifPresent(urls::add);
        tls.hosts().forEach(h -> h.crlUrl().ifPresent(urls::add));
        for (CrlUrl url : urls) {
            FetchedCrl f = tracked.get(url.url());
            if (f != null) {
                f.crls().ifPresent(crls -> out.put(url.url(), crls));
            }
        }
        return out;
    }

    /** Stops refreshing URLs the configuration no longer names (after a reload swapped it in). */
    public void retainOnly(ProxyConfig config) {
        Set<URI> used = new HashSet<>();
        for (ListenerConfig l : config.listeners()) {
            l.tls().crlUrl().ifPresent(u -> used.add(u.url()));
            l.tls().hosts().forEach(h -> h.crlUrl().ifPresent(u -> used.add(u.url())));
        }
        for (URI url : Set.copyOf(tracked.keySet())) {
            if (!used.contains(url)) {
                tracked.remove(url);
                ScheduledFuture<?> next = due.remove(url);
                if (next != null) {
                    next.cancel(false);
                }
            }
        }
    }

    /** One attempt, then the next one scheduled; true when the content changed. */
    private boolean fetch(FetchedCrl f) {
        boolean changed = false;
        Duration next;
        try {
            byte[] content = HttpGet.fetch(f.url(), TIMEOUT);
            List<X509CRL> crls = Pem.readCrls(content);
            if (crls.isEmpty()) {
                throw new CRLException("no CRL in the answer (expected: PEM \"BEGIN X509 CRL\" blocks or one DER CRL)");
            }
            changed = f.succeeded(content, crls, Instant.now());
            // a publisher late with its next CRL: ask again soon, then less and less often
            next = refreshAfter(crls, Instant.now())
                    .orElseGet(() -> RETRY.after(f.stale(), ThreadLocalRandom.current()));
            if (changed) {
                LOG.info("CRL fetched from {}: {} CRL(s), next fetch in {} s", f.url(), crls.size(), next.toSeconds());
            }
        } catch (IOException | CRLException | RuntimeException e) {
            String error = "cannot fetch " + f.url() + ": " + e.getMessage();
            int failures = f.failed(error);
            next = RETRY.after(failures, ThreadLocalRandom.current());
            LOG.warn(
                    "{} (keeping the last good CRL{}; retry in {} ms)",
                    error,
                    f.crls().isPresent() ? "" : ": none yet",
                    next.toMillis());
        }
        schedule(f, next);
        return changed;
    }

    private void schedule(FetchedCrl f, Duration delay) {
        if (scheduler == null || scheduler.isShutdown()) {
            return;
        }
        ScheduledFuture<?> previous =
                due.put(f.url(), scheduler.schedule(() -> refresh(f), delay.toMillis(), TimeUnit.MILLISECONDS));
        if (previous != null) {
            previous.cancel(false);
        }
    }

    private void refresh(FetchedCrl f) {
        if (tracked.get(f.url()) != f) {
            return; // no longer named by the configuration
        }
        if (fetch(f)) {
            try {
                onChange.accept(f.url());
            } catch (RuntimeException e) {
                LOG.error("applying the CRL fetched from {} failed", f.url(), e);
            }
        }
    }

    /**
     * Halfway to three quarters of the way to the earliest nextUpdate (jittered so that a fleet does not fetch in
     * step), at most {@link #MAX_INTERVAL}; empty when a CRL is already past its nextUpdate.
     */
    static Optional<Duration> refreshAfter(List<X509CRL> crls, Instant now) {
        Instant earliest = null;
        for (X509CRL crl : crls) {
            if (crl.getNextUpdate() != null
                    && (earliest == null || crl.getNextUpdate().toInstant().isBefore(earliest))) {
                earliest = crl.getNextUpdate().toInstant();
            }
        }
        if (earliest == null) {
            return Optional.of(MAX_INTERVAL);
        }
        if (!now.isBefore(earliest)) {
            return Optional.empty();
        }
        return Optional.of(waitBefore(earliest, now));
    }

    /**
     * Halfway to three quarters of the way from now to {@code end}, jittered, between {@link #MIN_INTERVAL} and
     * {@link #MAX_INTERVAL}: when to fetch again something that is good until {@code end}.
     */
    static Duration waitBefore(Instant end, Instant now) {
        long left = Math.max(0, Duration.between(now, end).toMillis());
        long wait = (long) (left * (0.5 + 0.25 * ThreadLocalRandom.current().nextDouble()));
        return Duration.ofMillis(Math.max(MIN_INTERVAL.toMillis(), Math.min(MAX_INTERVAL.toMillis(), wait)));
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        clientOcsp.close();
    }
}
