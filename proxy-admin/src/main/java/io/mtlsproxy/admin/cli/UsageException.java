package io.mtlsproxy.admin.cli;

/** A problem with what the user asked for: printed as one line, exit {@link ExitCodes#USAGE}. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
