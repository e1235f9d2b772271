package io.mtlsproxy.core.revocation;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The OCSP response a listener staples for one server certificate, and how fetching it goes. Thread-safe: the
 * fetcher thread writes it; handshakes (event loops) read the current bytes with one volatile read; /certs reads
 * its state. A failed refresh keeps the last good response until that one is past its nextUpdate.
 */
public final class OcspStaple {
    /** How long a response without nextUpdate is stapled (and how soon it is asked again). */
    static final Duration NO_NEXT_UPDATE = Duration.ofHours(1);

    /** What /certs shows: {@code fresh}, {@code stale} (a response past its nextUpdate, no longer stapled) or {@code missing}. */
    public record State(String state, Optional<OcspAnswer> answer, Optional<String> lastError) {
        public State {
            requireNonNull(state, "state");
            requireNonNull(answer, "answer");
            requireNonNull(lastError, "lastError");
        }
    }

    private final X509Certificate certificate;
    private final X509Certificate issuer; // null when the chain does not carry it
    private final Optional<URI> responder;
    private volatile OcspAnswer good;
    private volatile byte[] der; // good's bytes, shared read-only by every handshake
    private volatile String lastError;
    private int failures; // guarded by this

    OcspStaple(X509Certificate certificate, X509Certificate issuer, Optional<URI> responder) {
        this.certificate = requireNonNull(certificate, "certificate");
        this.issuer = issuer;
        this.responder = requireNonNull(responder, "responder");
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** Why this certificate cannot be asked about at all, else empty. */
    Optional<String> unaskable() {
        if (issuer == null) {
            return Optional.of("the certificate file does not carry the issuer certificate (needed to ask OCSP)");
        }
        if (responder.isEmpty()) {
            return Optional.of(
                    "no OCSP responder: the certificate has no AIA OCSP http:// URL and tls.ocsp.responder is empty");
        }
        return Optional.empty();
    }

    X509Certificate issuer() {
        return issuer;
    }

    URI responder() {
        return responder.orElseThrow();
    }

    /** The DER response to staple now, or null when there is none still valid. Never blocks, never copies. */
    public byte[] current() {
        OcspAnswer g = good;
        return g != null && g.usableAt(Instant.now(), NO_NEXT_UPDATE) ? der : null;
    }

    public State state() {
        OcspAnswer g = good;
        String s = g == null ? "missing" : g.usableAt(Instant.now(), NO_NEXT_UPDATE) ? "fresh" : "stale";
        return new State(s, Optional.ofNullable(g), Optional.ofNullable(lastError));
    }

    synchronized void succeeded(OcspAnswer answer) {
        der = answer.der();
        good = answer;
        lastError = null;
        failures = 0;
    }

    /** Records a failed fetch; returns how many failed in a row. */
    synchronized int failed(String error) {
        lastError = requireNonNull(error, "error");
        return ++failures;
    }
}
