package io.mtlsproxy.core.identity;

import io.mtlsproxy.core.certs.SubjectAltName;
import java.nio.ByteBuffer;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What an identity reads from a client's leaf certificate. Reading it costs more Java than the rest of a
 * handshake's bookkeeping together (RFC 2253 names, the SAN extension twice, a SHA-256, a 128-bit serial in hex),
 * and clients reconnect with the same certificate, so it is kept per DER. So is its notAfter: a certificate from
 * the handshake is parsed lazily, and asking it for a date is what would parse it. It is a pure function of those bytes (the
 * key compares them whole): no verdict is kept here, so it holds for every listener, trust setting and reload.
 * Bounded: past {@link #CAPACITY} certificates an arbitrary one is dropped and read again when seen.
 */
record LeafFacts(
        String subject,
        List<String> dnsSans,
        List<String> uriSans,
        String sha256,
        String issuer,
        String serial,
        Instant notAfter) {
    static final int CAPACITY = 4096;

    private static final Map<ByteBuffer, LeafFacts> KNOWN = new ConcurrentHashMap<>();

    static LeafFacts of(X509Certificate leaf) {
        ByteBuffer der;
        try {
            der = ByteBuffer.wrap(leaf.getEncoded());
        } catch (CertificateEncodingException | RuntimeException e) {
            return read(leaf);
        }
        LeafFacts facts = KNOWN.get(der);
        if (facts == null) {
            facts = read(leaf);
            if (KNOWN.size() >= CAPACITY) {
                Iterator<ByteBuffer> any = KNOWN.keySet().iterator();
                if (any.hasNext()) {
                    KNOWN.remove(any.next());
                }
            }
            KNOWN.put(der, facts);
        }
        return facts;
    }

    private static LeafFacts read(X509Certificate leaf) {
        return new LeafFacts(
                leaf.getSubjectX500Principal().getName(),
                List.copyOf(SubjectAltName.values(leaf, SubjectAltName.Kind.DNS)),
                List.copyOf(SubjectAltName.values(leaf, SubjectAltName.Kind.URI)),
                PeerIdentity.sha256Hex(leaf),
                leaf.getIssuerX500Principal().getName(),
                leaf.getSerialNumber().toString(16),
                leaf.getNotAfter().toInstant());
    }

    static int size() {
        return KNOWN.size();
    }
}
