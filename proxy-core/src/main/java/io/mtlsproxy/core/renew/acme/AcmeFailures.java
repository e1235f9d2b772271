package io.mtlsproxy.core.renew.acme;

import io.mtlsproxy.core.renew.IssueException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateException;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;
import org.shredzone.acme4j.Problem;
import org.shredzone.acme4j.exception.AcmeNetworkException;
import org.shredzone.acme4j.exception.AcmeServerException;

/**
 * Turns what acme4j throws into the one line an operator reads in {@code last_error}: which step failed, against
 * which server, and why in words ("connection refused", the server's problem detail), not a stack trace.
 */
final class AcmeFailures {
    private AcmeFailures() {}

    /** {@code step} says what was being done, e.g. "registering the account" or "finalizing the order". */
    static IssueException of(String step, URI directory, Throwable e) {
        if (e instanceof AcmeNetworkException) {
            return new IssueException("acme: cannot reach " + directory + ": " + network(e), e);
        }
        if (e instanceof AcmeServerException server) {
            return new IssueException("acme: " + step + ": the server refused: " + describe(server.getProblem()), e);
        }
        return new IssueException("acme: " + step + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
    }

    /** A problem document as one line: its detail (or type), then those of its sub-problems. */
    static String describe(Problem problem) {
        String main = problem.getDetail().orElse(problem.getType().toString());
        if (problem.getSubProblems().isEmpty()) {
            return main;
        }
        return main + " ("
                + problem.getSubProblems().stream()
                        .map(p ->
                                p.getIdentifier().map(i -> i.getValue() + ": ").orElse("") + describe(p))
                        .collect(Collectors.joining("; "))
                + ")";
    }

    static String describe(Optional<Problem> problem) {
        return problem.map(AcmeFailures::describe).orElse("the server gave no reason");
    }

    /** The deepest cause that says something: what "network error" meant. */
    private static String network(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof ConnectException) {
                return "connection refused";
            }
            if (c instanceof UnknownHostException || c instanceof UnresolvedAddressException) {
                return "unknown host";
            }
            if (c instanceof HttpTimeoutException) {
                return "timed out";
            }
            if (c instanceof CertPathBuilderException || c instanceof CertificateException) {
                return "its TLS certificate is not trusted (set trust-ca to the CA bundle of the ACME server)";
            }
            if (c instanceof SSLException && c.getCause() == null) {
                return "TLS handshake failed: " + c.getMessage();
            }
        }
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
