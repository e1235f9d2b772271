package io.mtlsproxy.core.tls;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The client chains one trust manager has verified, so that a client that reconnects with the same chain skips the
 * PKIX path validation in Java (most of the handshake's Java-side cost); its TLS handshake is still complete, and
 * BoringSSL still checks its CertificateVerify signature, so possession of the key is proven on every connection.
 * <p>
 * Why a remembered verdict cannot admit anyone a fresh verification would refuse. {@link ChainVerifier#verify}
 * depends on exactly three things: (1) the presented certificates: the key is the SHA-256 of every presented
 * certificate's DER, in order, each with its length, so any other chain (another intermediate, a re-issued leaf)
 * misses; (2) the trust anchors, CRLs, verify depth and purpose: all fixed for the life of the one trust manager
 * that owns this cache. A reload or a CRL change (file, or a re-fetched CRL URL) builds new {@link TrustAnchors}
 * and a new trust manager with an empty cache; the old one is kept only when the whole listener TLS is carried
 * over because nothing it judges with changed; (3) the time: a verdict is kept with the window in which every
 * certificate of the validated path, trusted CA included, is valid, and outside it the chain is verified again (and
 * refused with the exact reason). Only successes are kept: a refused chain is judged afresh each time, so a failure
 * always carries its own reason. The deny list is checked on every handshake, after this. The cache is bounded:
 * past {@link #CAPACITY} chains an arbitrary one is dropped, costing only a new verification.
 */
final class VerifiedChains {
    static final int CAPACITY = 4096;

    private static final MessageDigest SHA256 = sha256();

    private final Map<ByteBuffer, Window> chains = new ConcurrentHashMap<>();
    private final int capacity;

    VerifiedChains(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
        }
        this.capacity = capacity;
    }

    /** When every certificate of a validated path is valid, in epoch milliseconds, both ends included. */
    private record Window(long notBefore, long notAfter) {
        boolean contains(long millis) {
            return millis >= notBefore && millis <= notAfter;
        }
    }

    /** The key of a presented chain, or null when a certificate cannot be encoded (then nothing is remembered). */
    static ByteBuffer keyOf(X509Certificate[] chain) {
        if (chain == null || chain.length == 0) {
            return null;
        }
        MessageDigest digest = digest();
        try {
            for (X509Certificate certificate : chain) {
                byte[] der = certificate.getEncoded();
                digest.update(ByteBuffer.allocate(4).putInt(0, der.length));
                digest.update(der);
            }
        } catch (CertificateEncodingException | RuntimeException e) {
            return null;
        }
        return ByteBuffer.wrap(digest.digest());
    }

    /** Whether the chain with this key was verified and its path is valid at {@code now}. */
    boolean verified(ByteBuffer key, Instant now) {
        if (key == null) {
            return false;
        }
        Window window = chains.get(key);
        if (window == null) {
            return false;
        }
        if (window.contains(now.toEpochMilli())) {
            return true;
        }
        chains.remove(key, window); // out of its window: the next verification says why
        return false;
    }

    /** Remembers a chain that {@link ChainVerifier} just validated as {@code path} (leaf first, trusted CA last). */
    void remember(ByteBuffer key, List<X509Certificate> path) {
        if (key == null || path.isEmpty()) {
            return;
        }
        long notBefore = Long.MIN_VALUE;
        long notAfter = Long.MAX_VALUE;
        for (X509Certificate certificate : path) {
            notBefore = Math.max(notBefore, certificate.getNotBefore().getTime());
            notAfter = Math.min(notAfter, certificate.getNotAfter().getTime());
        }
        if (chains.size() >= capacity) {
            Iterator<ByteBuffer> any = chains.keySet().iterator();
            if (any.hasNext()) {
                chains.remove(any.next());
            }
        }
        chains.put(key, new Window(notBefore, notAfter));
    }

    int size() {
        return chains.size();
    }

    private static MessageDigest digest() {
        try {
            return (MessageDigest) SHA256.clone(); // cheaper than a provider look-up per handshake
        } catch (CloneNotSupportedException e) {
            return sha256();
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }
}
