package io.mtlsproxy.core.identity;

import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import io.mtlsproxy.core.pki.CertificateDescription;

/**
 * What {@link PeerIdentity} reads from a leaf certificate (subject, DNS and URI SANs, SHA-256 fingerprint),
 * remembered by the certificate's exact DER bytes, because the same client certificate comes back on every new
 * connection of a client: a full handshake then parses no SAN extension and hashes nothing in Java.
 * <p>
 * Why this is safe: the facts are a pure function of the DER bytes, and the key is the whole encoding (compared
 * byte for byte, not a hash of it), so two certificates share facts only when they are the same certificate.
 * Nothing about trust is remembered: every handshake still verifies the chain (signatures, dates, CRLs, depth,
 * purpose) and its verdict is per connection. The memo is bounded: when full it is cleared, and the next
 * handshakes parse again.
 */
final class CertificateFacts {
    private static final int SAN_DNS = 2;
    private static final int SAN_URI = 6;
    /** Distinct client certificates remembered; a few hundred bytes each beside their DER. */
    static final int MAX_ENTRIES = 4096;

    private static final ConcurrentHashMap<Der, CertificateFacts> MEMO = new ConcurrentHashMap<>();

    final String subject;
    final List<String> dnsSans;
    final List<String> uriSans;
    final String sha256;

    private CertificateFacts(String subject, List<String> dnsSans, List<String> uriSans, String sha256) {
        this.subject = subject;
        this.dnsSans = List.copyOf(dnsSans);
        this.uriSans = List.copyOf(uriSans);
        this.sha256 = sha256;
    }

    static CertificateFacts of(X509Certificate leaf) {
        byte[] der;
        try {
            der = leaf.getEncoded();
        } catch (CertificateEncodingException e) {
            return parse(leaf); // cannot key it: parse every time
        }
        Der key = new Der(der);
        CertificateFacts known = MEMO.get(key);
        if (known != null) {
            return known;
        }
        CertificateFacts facts = parse(leaf);
        if (MEMO.size() >= MAX_ENTRIES) {
            MEMO.clear();
        }
        MEMO.put(key, facts);
        return facts;
    }

    /** Entries held now (for tests). */
    static int size() {
        return MEMO.size();
    }

    private static CertificateFacts parse(X509Certificate leaf) {
        List<String> dns = new ArrayList<>(2);
        List<String> uris = new ArrayList<>(1);
        try {
            Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    Object type = san.get(0);
                    Object value = san.get(1);
                    if (type instanceof Integer t && value instanceof String v) {
                        if (t == SAN_DNS) {
                            dns.add(v);
                        } else if (t == SAN_URI) {
                            uris.add(v);
                        }
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // an unparsable SAN extension: the identity has no SANs, allow-lists on SANs won't match
        }
        return new CertificateFacts(leaf.getSubjectX500Principal().getName(), dns, uris,
                CertificateDescription.sha256(leaf));
    }

    /** A certificate's DER as a map key: equal when every byte is. */
    private static final class Der {
        private final byte[] bytes;
        private final int hash;

        Der(byte[] bytes) {
            this.bytes = bytes;
            this.hash = Arrays.hashCode(bytes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Der d && d.hash == hash && Arrays.equals(d.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
