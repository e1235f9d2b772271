package io.mtlsproxy.core.identity;

import static java.util.Objects.requireNonNull;

import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;

/**
 * How the server's verdict on a client certificate reaches {@link PeerIdentity}. Under
 * {@code client-auth = optional} a certificate that fails verification must not fail the handshake (the route
 * answers 495 instead), so the trust manager records its verdict in the handshake session, for both the JDK and
 * the OpenSSL engine.
 * <p>
 * A resumed session carries no verdict (no verification ran; with BoringSSL the session object is new per
 * connection). Treating "no verdict" as "verified" would let a client whose certificate failed once resume its
 * way to "verified", so instead the SslContext's verifier is looked up by the session's context and the stored
 * chain is verified again, against the same anchors and CRLs and at the current time.
 */
public final class ClientVerification {
    static final String SESSION_KEY = "io.mtlsproxy.client-verification";

    private static final Map<SSLSessionContext, Verifier> VERIFIERS = Collections.synchronizedMap(new WeakHashMap<>());

    private ClientVerification() {}

    /** A verdict on a presented chain. */
    public record Outcome(boolean verified, TlsFailureReason reason, String error) {
        public static final Outcome VERIFIED = new Outcome(true, null, null);

        public static Outcome failed(TlsFailureReason reason, String error) {
            return new Outcome(false, requireNonNull(reason, "reason"), requireNonNull(error, "error"));
        }
    }

    /** Verifies a chain the way the handshake would, without throwing. */
    @FunctionalInterface
    public interface Verifier {
        Outcome verify(X509Certificate[] chain);
    }

    /** Called once per built server SslContext; the entry goes away with the context. */
    public static void register(SSLSessionContext context, Verifier verifier) {
        VERIFIERS.put(requireNonNull(context, "context"), requireNonNull(verifier, "verifier"));
    }

    /** Called by the trust manager during the handshake. */
    public static void record(SSLEngine engine, Outcome outcome) {
        SSLSession session = engine.getHandshakeSession();
        if (session != null) {
            session.putValue(SESSION_KEY, outcome);
        }
    }

    /** The verdict on a completed handshake's chain: recorded, or re-derived for a resumed session. */
    static Outcome outcomeOf(SSLSession session, X509Certificate[] chain) {
        if (session.getValue(SESSION_KEY) instanceof Outcome recorded) {
            return recorded;
        }
        SSLSessionContext context = session.getSessionContext();
        Verifier verifier = context == null ? null : VERIFIERS.get(context);
        if (verifier != null) {
            Outcome outcome = verifier.verify(chain);
            session.putValue(SESSION_KEY, outcome);
            return outcome;
        }
        // A context we did not build verified the chain with its own (throwing) trust manager.
        return Outcome.VERIFIED;
    }
}
