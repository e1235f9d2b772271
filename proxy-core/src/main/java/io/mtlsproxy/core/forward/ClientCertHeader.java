package io.mtlsproxy.core.forward;

import io.mtlsproxy.core.identity.PeerIdentity;
import javax.security.auth.x500.X500Principal;

/**
 * The proxy's element of {@code X-Forwarded-Client-Cert}, in Envoy's format:
 * {@code Hash=<sha256 of the leaf's DER, lowercase hex>;Subject="<RFC 2253 subject>";URI=<uri SAN>;DNS=<dns SAN>},
 * one URI= or DNS= per SAN. Values that could break the element's syntax (comma, semicolon, equals, quote) are
 * quoted, and quotes inside escaped, so an attacker-chosen subject cannot forge a second element or field.
 */
final class ClientCertHeader {
    private ClientCertHeader() {}

    /** The element, or null when no verified certificate was presented. */
    static String element(PeerIdentity peer) {
        if (!peer.presented() || !peer.verified()) {
            return null;
        }
        StringBuilder b = new StringBuilder(256);
        b.append("Hash=").append(peer.sha256() != null ? peer.sha256() : PeerIdentity.sha256Hex(peer.leaf()));
        String subject = peer.subject() != null
                ? peer.subject()
                : peer.leaf().getSubjectX500Principal().getName(X500Principal.RFC2253);
        b.append(";Subject=").append(quoted(subject));
        for (String uri : peer.uriSans()) {
            b.append(";URI=").append(value(uri));
        }
        for (String dns : peer.dnsSans()) {
            b.append(";DNS=").append(value(dns));
        }
        return b.toString();
    }

    private static String value(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            // DEL too, as quoting drops it (found by fuzzing: a URI SAN, an IA5String, may hold it)
            if (c == ',' || c == ';' || c == '=' || c == '"' || c == '\\' || c < 0x20 || c == 0x7f) {
                return quoted(v);
            }
        }
        return v;
    }

    private static String quoted(String v) {
        StringBuilder b = new StringBuilder(v.length() + 2).append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\');
            }
            // control characters can't appear in a header value: drop them rather than fail the request
            if (c >= 0x20 && c != 0x7f) {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
