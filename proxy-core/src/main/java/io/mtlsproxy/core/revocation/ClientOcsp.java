package io.mtlsproxy.core.revocation;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The OCSP status of client certificates, for listeners with {@code ocsp.client-check}: asked of the responder
 * (the certificate's AIA URL or the configured one) and cached until the answer's nextUpdate, in a bounded table
 * (least recently used dropped first). A failed question is remembered for {@link #ERROR_HOLD}, so that a responder
 * that is down costs one timeout per certificate and few seconds, not one per handshake. One instance serves every
 * listener and outlives reloads, so a reload keeps the cache warm. A cached answer costs a map lookup.
 */
public final class ClientOcsp {
    static final int MAX_CACHED = 10_000;
    static final Duration ERROR_HOLD = Duration.ofSeconds(5);
    static final int THREADS = 8;

    /** What was learnt about one certificate: a status, or why none (no responder, no answer, a bad answer). */
    public record Verdict(Optional<OcspAnswer.Status> status, String detail) {
        public Verdict {
            requireNonNull(status, "status");
            requireNonNull(detail, "detail");
        }

        /** {@code good}, {@code revoked}, {@code unknown} or {@code error}: the metric's result. */
        public String label() {
            return status.map(OcspAnswer.Status::label).orElse("error");
        }
    }

    private record Cached(Verdict verdict, Instant until) {}

    private final Map<String, Cached> cache = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
            return size() > MAX_CACHED;
        }
    };
    private final ThreadPoolExecutor handshakeTasks;
    private final Clock clock;
    private volatile OcspResults results = OcspResults.NONE;

    ClientOcsp() {
        this(Clock.systemUTC());
    }

    /** {@code clock}: what "now" is for the cache (tests move it; answers are judged at the real time). */
    ClientOcsp(Clock clock) {
        this.clock = requireNonNull(clock, "clock");
        // the handshake's certificate check runs here (Netty's delegated tasks) on listeners with client-check:
        // a question to the responder blocks this thread, never an event loop
        handshakeTasks =
                new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "mtls-proxy-ocsp-check");
                    t.setDaemon(true);
                    return t;
                });
        handshakeTasks.allowCoreThreadTimeOut(true);
    }

    void countInto(OcspResults results) {
        this.results = results;
    }

    /** Where handshakes of listeners with client-check run their certificate checks. */
    public Executor handshakeTasks() {
        return handshakeTasks;
    }

    /**
     * The status of {@code certificate} (issued by {@code issuer}): cached, else asked now when {@code mayAsk}
     * (blocking: never on an event loop), else an error verdict "not cached". Counted as use {@code client}.
     */
    public Verdict check(X509Certificate certificate, X509Certificate issuer, Optional<URI> override, boolean mayAsk) {
        Optional<URI> responder = OcspQuery.responder(certificate, override);
        String key = certificate.getIssuerX500Principal().getName() + "|" + certificate.getSerialNumber() + "|"
                + responder.map(URI::toString).orElse("");
        Instant now = clock.instant();
        Cached cached;
        synchronized (cache) {
            cached = cache.get(key);
        }
        Verdict verdict;
        if (cached != null && now.isBefore(cached.until())) {
            verdict = cached.verdict();
        } else if (!mayAsk) {
            return new Verdict(Optional.empty(), "not cached");
        } else {
            Cached fresh = ask(certificate, issuer, responder, now);
            synchronized (cache) {
                cache.put(key, fresh);
            }
            verdict = fresh.verdict();
        }
        results.count("client", verdict.label());
        return verdict;
    }

    private static Cached ask(
            X509Certificate certificate, X509Certificate issuer, Optional<URI> responder, Instant now) {
        if (responder.isEmpty()) {
            return new Cached(
                    new Verdict(
                            Optional.empty(),
                            "no OCSP responder (the certificate has no AIA OCSP http:// URL and tls.ocsp.responder is empty)"),
                    now.plus(ERROR_HOLD));
        }
        try {
            OcspAnswer answer = OcspQuery.ask(responder.get(), certificate, issuer);
            Instant until = answer.nextUpdate().orElse(now.plus(OcspStaple.NO_NEXT_UPDATE));
            return new Cached(new Verdict(Optional.of(answer.status()), "OCSP " + responder.get()), until);
        } catch (IOException e) {
            return new Cached(
                    new Verdict(Optional.empty(), "OCSP " + responder.get() + ": " + e.getMessage()),
                    now.plus(ERROR_HOLD));
        }
    }

    void close() {
        handshakeTasks.shutdownNow();
    }
}
