package io.mtlsproxy.core.certs;

/**
 * A problem with what the operator asked the PKI tooling to do (no CA in a directory, a certificate another CA
 * signed, a CRL of another issuer). The message is one line that says what was expected.
 */
public final class PkiException extends Exception {
    public PkiException(String message) {
        super(message);
    }
}
