package io.mtlsproxy.core.renew.acme;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.AcmeIssuerConfig;
import io.mtlsproxy.core.renew.CertificateRequest;
import io.mtlsproxy.core.renew.IssueException;
import io.mtlsproxy.core.renew.Issuer;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.shredzone.acme4j.Account;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.exception.AcmeLazyLoadingException;
import org.shredzone.acme4j.exception.AcmeProtocolException;
import org.shredzone.acme4j.provider.AcmeProvider;
import org.shredzone.acme4j.provider.GenericAcmeProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An RFC 8555 ACME server as an issuer (acme4j does the protocol): finds or registers the account of
 * {@code account-key} (agreeing to the terms of service), orders the request's DNS names, proves control of each
 * with the configured challenge answered by the proxy's own listener, finalizes with the request's CSR and
 * downloads the chain. Blocks, on the renewal thread only; every wait is bounded by one deadline per issuance.
 */
public final class AcmeIssuer implements Issuer {
    /** How long one issuance may take, from the directory to the downloaded chain. */
    static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(2);
    /** One HTTP request to the ACME server. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);

    private static final Logger LOG = LoggerFactory.getLogger(AcmeIssuer.class);

    private final AcmeIssuerConfig config;
    private final Authorizations authorizations;
    private final Duration deadline;

    public AcmeIssuer(AcmeIssuerConfig config, AcmeChallenges challenges) {
        this(config, challenges, DEFAULT_DEADLINE);
    }

    AcmeIssuer(AcmeIssuerConfig config, AcmeChallenges challenges, Duration deadline) {
        this.config = requireNonNull(config, "config");
        this.authorizations = new Authorizations(config.challenge(), challenges, config.challengeListener());
        this.deadline = requireNonNull(deadline, "deadline");
    }

    @Override
    public List<X509Certificate> issue(CertificateRequest request) throws IssueException {
        if (request.dnsNames().isEmpty() || !request.uriNames().isEmpty()) {
            throw new IssueException("acme: issuer " + config.name() + " certifies DNS names only (requested: DNS "
                    + request.dnsNames() + ", URI " + request.uriNames() + ")");
        }
        Deadline until = Deadline.after(deadline);
        String step = "reading the directory";
        try {
            Session session = new Session(config.directory(), provider());
            session.networkSettings().setTimeout(REQUEST_TIMEOUT);
            session.getMetadata(); // the directory: an unreachable or untrusted server fails here, plainly
            step = "registering the account";
            Account account = account(session);
            step = "ordering " + request.dnsNames();
            Order order = account.newOrder().domains(request.dnsNames()).create();
            step = "validating " + request.dnsNames();
            authorizations.complete(order, until);
            step = "waiting for the order to be ready";
            expect(order, order.waitUntilReady(until.remaining()), Status.READY, step);
            step = "finalizing the order";
            order.execute(request.der()); // the CSR: the key never leaves the proxy
            expect(order, order.waitForCompletion(until.remaining()), Status.VALID, step);
            step = "downloading the certificate";
            List<X509Certificate> chain = order.getCertificate().getCertificateChain();
            LOG.info(
                    "acme: issuer {} issued {} for {} ({} certificate(s) in the chain)",
                    config.name(),
                    chain.get(0).getSerialNumber().toString(16),
                    request.dnsNames(),
                    chain.size());
            return chain;
        } catch (AcmeException | AcmeProtocolException e) {
            throw AcmeFailures.of(step, config.directory(), e);
        } catch (AcmeLazyLoadingException e) {
            throw AcmeFailures.of(step, config.directory(), e.getCause() == null ? e : e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IssueException("acme: interrupted while " + step, e);
        }
    }

    private AcmeProvider provider() throws IssueException {
        return config.trustCa().isPresent()
                ? TrustingAcmeProvider.trusting(config.trustCa().get().path())
                : new GenericAcmeProvider();
    }

    /** RFC 8555 §7.3: registering a key that already has an account returns that account. */
    private Account account(Session session) throws AcmeException, IssueException {
        KeyPair key = AccountKey.loadOrCreate(config.accountKey());
        AccountBuilder b = new AccountBuilder().agreeToTermsOfService().useKeyPair(key);
        config.contact().forEach(b::addContact);
        return b.create(session);
    }

    private static void expect(Order order, Status status, Status wanted, String step) throws IssueException {
        if (status != wanted) {
            throw new IssueException(
                    "acme: " + step + ": the order is " + status.name().toLowerCase(Locale.ROOT)
                            + (status == Status.INVALID ? ": " + AcmeFailures.describe(order.getError()) : ""));
        }
    }
}
