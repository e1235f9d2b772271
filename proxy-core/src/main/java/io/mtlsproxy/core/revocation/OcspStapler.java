package io.mtlsproxy.core.revocation;

import io.mtlsproxy.core.renew.Backoff;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an OCSP response fresh for every server certificate a listener staples, on the CRL fetcher's scheduler
 * thread: the first fetch on the thread that builds the listener's TLS (a start or reload, never an event loop),
 * then again between half and three quarters of the way to nextUpdate, and with a jittered backoff after a
 * failure. A staple is found again by certificate and responder, so a reload that keeps the certificate keeps its
 * response (and asks nothing). A staple lives as long as some listener's TLS holds it: the table and the refresh
 * hold it weakly, so a certificate no longer served stops being fetched.
 */
public final class OcspStapler {
    private static final Logger LOG = LoggerFactory.getLogger(OcspStapler.class);
    private static final Backoff RETRY = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(5));

    private final Map<String, WeakReference<OcspStaple>> tracked = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler; // null: fetch once, never refresh
    private volatile OcspResults results = OcspResults.NONE;

    OcspStapler(ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
    }

    void countInto(OcspResults results) {
        this.results = results;
    }

    /**
     * The staple for a server certificate ({@code chain}: leaf first, issuer next when the file carries it): the
     * one already kept, else a new one fetched now on the calling thread (blocking, up to the query's timeout).
     * Never fails: a staple that could not be fetched says why in its state, and is retried.
     */
    public OcspStaple ensure(List<X509Certificate> chain, Optional<URI> override) {
        X509Certificate leaf = chain.get(0);
        X509Certificate issuer = chain.size() > 1 ? chain.get(1) : null;
        Optional<URI> responder = OcspQuery.responder(leaf, override);
        String key = leaf.getSerialNumber().toString(16) + "|"
                + leaf.getIssuerX500Principal().getName() + "|" + java.util.Arrays.hashCode(leaf.getSignature()) + "|"
                + responder.map(URI::toString).orElse("");
        OcspStaple[] created = new OcspStaple[1];
        WeakReference<OcspStaple> ref = tracked.compute(key, (k, old) -> {
            OcspStaple kept = old == null ? null : old.get();
            if (kept != null) {
                return old;
            }
            created[0] = new OcspStaple(leaf, issuer, responder);
            return new WeakReference<>(created[0]);
        });
        if (created[0] == null) {
            OcspStaple kept = ref.get();
            if (kept != null) {
                return kept;
            }
            return ensure(chain, override); // collected between the two lines: make it anew
        }
        OcspStaple staple = created[0];
        Optional<String> unaskable = staple.unaskable();
        if (unaskable.isPresent()) {
            staple.failed(unaskable.get());
            LOG.warn(
                    "cannot staple OCSP for {}: {}",
                    leaf.getSubjectX500Principal().getName(),
                    unaskable.get());
        } else {
            fetch(staple);
        }
        return staple;
    }

    private void fetch(OcspStaple staple) {
        Duration next;
        String subject = staple.certificate().getSubjectX500Principal().getName();
        try {
            OcspAnswer answer = OcspQuery.ask(staple.responder(), staple.certificate(), staple.issuer());
            staple.succeeded(answer);
            results.count("staple", answer.status().label());
            next = refreshAfter(answer, Instant.now());
            LOG.info(
                    "OCSP response for {} from {}: {}, next fetch in {} s",
                    subject,
                    staple.responder(),
                    answer.status().label(),
                    next.toSeconds());
        } catch (IOException | RuntimeException e) {
            String error = "cannot fetch OCSP from " + staple.responder() + ": " + e.getMessage();
            int failures = staple.failed(error);
            results.count("staple", "error");
            next = RETRY.after(failures, ThreadLocalRandom.current());
            LOG.warn(
                    "{} for {} (keeping the last good response{}; retry in {} ms)",
                    error,
                    subject,
                    staple.current() != null ? "" : ": none",
                    next.toMillis());
        }
        schedule(new WeakReference<>(staple), next);
    }

    private void schedule(WeakReference<OcspStaple> ref, Duration delay) {
        if (scheduler == null || scheduler.isShutdown()) {
            return;
        }
        scheduler.schedule(
                () -> {
                    OcspStaple staple = ref.get();
                    if (staple != null) { // else no listener serves the certificate any more
                        fetch(staple);
                    }
                },
                delay.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Before the answer's nextUpdate (see {@link CrlFetcher#waitBefore}); without one, within an hour. */
    static Duration refreshAfter(OcspAnswer answer, Instant now) {
        return CrlFetcher.waitBefore(
                answer.nextUpdate().orElse(answer.thisUpdate().plus(OcspStaple.NO_NEXT_UPDATE)), now);
    }
}
