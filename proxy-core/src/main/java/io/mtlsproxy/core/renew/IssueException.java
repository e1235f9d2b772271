package io.mtlsproxy.core.renew;

/** A failed attempt; the message is what {@code /certs} shows as {@code last_error}, so it says why in words. */
public final class IssueException extends Exception {
    public IssueException(String message) {
        super(message);
    }

    public IssueException(String message, Throwable cause) {
        super(message, cause);
    }
}
