package io.mtlsproxy.core.renew.acme;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.AcmeChallenge;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.renew.IssueException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Challenge;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.challenge.TlsAlpn01Challenge;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.exception.AcmeNetworkException;
import org.shredzone.acme4j.exception.AcmeServerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proves control of every name of an order with one challenge type: pins each answer on the board, asks the
 * server to validate them all, then waits for each verdict within the deadline. The answers come down in every
 * case, success or not, so nothing stays published after an issuance.
 */
final class Authorizations {
    private static final Logger LOG = LoggerFactory.getLogger(Authorizations.class);

    private final AcmeChallenge type;
    private final AcmeChallenges board;
    private final String listener;

    Authorizations(AcmeChallenge type, AcmeChallenges board, String listener) {
        this.type = requireNonNull(type, "type");
        this.board = requireNonNull(board, "board");
        this.listener = requireNonNull(listener, "listener");
    }

    void complete(Order order, Deadline deadline) throws AcmeException, InterruptedException, IssueException {
        List<AcmeChallenges.Publication> published = new ArrayList<>();
        try {
            List<Pending> pending = new ArrayList<>();
            for (Authorization auth : order.getAuthorizations()) {
                if (auth.getStatus() == Status.VALID) {
                    continue; // validated recently for this account: the server reuses it
                }
                Challenge challenge = publish(auth, published);
                challenge.trigger();
                pending.add(new Pending(auth.getIdentifier().getDomain(), challenge));
            }
            for (Pending p : pending) {
                Status status = waitFor(p.challenge(), deadline);
                if (status != Status.VALID) {
                    throw new IssueException(verdict(p, status, deadline));
                }
                LOG.info("acme: {} validated by {} on listener {}", p.domain(), type.configName(), listener);
            }
        } finally {
            published.forEach(AcmeChallenges.Publication::close);
        }
    }

    /** The challenge's final status, or its last one when the deadline ran out first. */
    private static Status waitFor(Challenge challenge, Deadline deadline) throws AcmeException, InterruptedException {
        try {
            return challenge.waitForCompletion(deadline.remaining());
        } catch (AcmeServerException | AcmeNetworkException e) {
            throw e;
        } catch (AcmeException e) {
            if (!deadline.passed()) {
                throw e;
            }
            return challenge.getStatus(); // acme4j's "Timeout has been reached": say which name and why
        }
    }

    private String verdict(Pending p, Status status, Deadline deadline) {
        if (status == Status.INVALID) {
            return "acme: authorization for " + p.domain() + " invalid: "
                    + AcmeFailures.describe(p.challenge().getError());
        }
        return "acme: authorization for " + p.domain() + " still "
                + status.name().toLowerCase(Locale.ROOT)
                + " after " + deadline.total().toSeconds() + " s (is listener " + listener + " reachable from the"
                + " ACME server on port " + (type == AcmeChallenge.TLS_ALPN_01 ? 443 : 80) + "?)";
    }

    private Challenge publish(Authorization auth, List<AcmeChallenges.Publication> published) throws IssueException {
        String domain = auth.getIdentifier().getDomain();
        if (type == AcmeChallenge.HTTP_01) {
            Http01Challenge c = auth.findChallenge(Http01Challenge.class).orElseThrow(() -> notOffered(auth));
            published.add(board.publishHttp01(c.getToken(), c.getAuthorization()));
            return c;
        }
        TlsAlpn01Challenge c = auth.findChallenge(TlsAlpn01Challenge.class).orElseThrow(() -> notOffered(auth));
        KeyPair key = KeyAlgorithm.RSA_2048.generate(); // acme4j signs the validation certificate SHA256withRSA
        try {
            published.add(board.publishTlsAlpn01(domain, key, c.createCertificate(key, auth.getIdentifier())));
        } catch (SSLException e) {
            throw new IssueException(
                    "acme: cannot build the tls-alpn-01 answer for " + domain + ": " + e.getMessage(), e);
        }
        return c;
    }

    private IssueException notOffered(Authorization auth) {
        return new IssueException("acme: the server offers no " + type.configName() + " challenge for "
                + auth.getIdentifier().getDomain() + " (offered: "
                + auth.getChallenges().stream().map(Challenge::getType).collect(Collectors.joining(", ")) + ")");
    }

    private record Pending(String domain, Challenge challenge) {}
}
