package io.mtlsproxy.core.reload;

import io.mtlsproxy.config.FileRef;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.config.ProxyConfig;
import io.mtlsproxy.config.SameMeaning;
import io.mtlsproxy.core.inbound.Listener;
import io.mtlsproxy.core.tls.FileDigest;
import io.mtlsproxy.core.tls.ServerTls;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509CRL;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides whether a reloaded listener may keep the running snapshot's {@link ServerTls}: its SslContexts, client
 * trust manager and SNI mapping, hence also its session cache and ticket keys. It may when nothing the build read
 * changed: the same TLS settings (by {@link SameMeaning}), the same contents of every file they name (certificates,
 * keys, client CAs, CRL) and of the shared ticket-key file, the same ALPN list and the same route identity
 * policies. Any difference builds the listener's TLS anew (unchanged key files are still taken from the
 * {@code KeyCache}), so a changed certificate, CA, CRL or policy starts new sessions, as DESIGN.md asks. With a
 * thousand certificates this is what makes a reload that changes routes only cost milliseconds.
 */
final class ListenerTlsCarryOver {
    private ListenerTlsCarryOver() {}

    /**
     * What a listener's TLS was built from; compared with {@link SameMeaning} (lines may move). The route policies
     * are kept as the SHA-256 of their text: the text names every route, and a snapshot holds it until the next.
     */
    record Inputs(
            ListenerTls tls,
            List<String> alpn,
            String routePolicySha256,
            Optional<FileRef> ticketKeys,
            FileDigest files,
            Map<URI, List<X509CRL>> fetchedCrls) {
        /** The same inputs with the CRLs fetched from the listener's CRL URLs as they are now. */
        Inputs withFetchedCrls(Map<URI, List<X509CRL>> now) {
            return new Inputs(tls, alpn, routePolicySha256, ticketKeys, files, now);
        }
    }

    /**
     * The inputs of {@code listener} now, or empty when one of its files cannot be read (the build says why).
     * {@code fetchedCrls}: the CRLs its CRL URLs hold now, so that a fetched CRL that changed builds it anew.
     */
    static Optional<Inputs> inputs(
            ProxyConfig config,
            ListenerConfig listener,
            List<String> alpn,
            String policy,
            Map<URI, List<X509CRL>> fetchedCrls) {
        return FileDigest.of(List.of(listener.tls(), config.sessionTicketKeys()))
                .map(files -> new Inputs(
                        listener.tls(), alpn, sha256(policy), config.sessionTicketKeys(), files, fetchedCrls));
    }

    private static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** The previous snapshot's TLS for the listener, when it was built from the same inputs; empty otherwise. */
    static Optional<ServerTls> reusable(Snapshot previous, String listener, Optional<Inputs> next) {
        if (previous == null || next.isEmpty()) {
            return Optional.empty();
        }
        Inputs old = previous.inputs().listenerTls().get(listener);
        Listener running = previous.listener(listener);
        if (old == null || running == null || !SameMeaning.test(old, next.get())) {
            return Optional.empty();
        }
        return running.tls();
    }
}
