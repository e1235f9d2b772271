package io.mtlsproxy.core.renew;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Turns a certificate signing request into a certificate chain: an ACME server, a local CA directory or an
 * operator's command. The private key never reaches an issuer; it gets the CSR only.
 *
 * <p>{@link #issue} blocks (network, processes, files): it runs on the renewal thread only, never on an event
 * loop. What it returns is not trusted yet: {@link ChainCheck} proves it before anything is written.
 */
public interface Issuer {
    /** The chain for {@code request}, leaf first; an {@link IssueException} says why there is none. */
    List<X509Certificate> issue(CertificateRequest request) throws IssueException;

    /** The trust a renewed chain must lead to (a local CA's certificate); empty when the issuer names none. */
    default List<X509Certificate> trustAnchors() {
        return List.of();
    }
}
