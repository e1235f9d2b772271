package io.mtlsproxy.core.forward;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.RetryOn;
import io.mtlsproxy.config.UpstreamConfig;
import io.mtlsproxy.core.upstream.UpstreamAttempt;
import io.mtlsproxy.core.upstream.UpstreamFailure;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.Optional;

/**
 * The tries of one {@link Exchange}: each acquires an origin connection under the route's
 * {@code retries.per-try-timeout}, all of them under the route's {@code timeout}, and a failed one is tried again
 * when the route's retries allow it or when a pooled connection turns out to be stale. What a try's connection
 * carries, and how the exchange ends, stays with the exchange: it is told of each connection and of the failure
 * to end on. Used on the exchange's event loop only.
 */
final class OriginTries {
    /** The exchange the tries are made for. */
    interface Owner {
        /** Whether the exchange is over: a late connection or timer then finds nothing to do. */
        boolean over();

        /** Whether the exchange still waits for a response head, so a try is under way. */
        boolean awaitingHead();

        /** Whether the request can go out again as it is: no body, or all of it held for a retry. */
        boolean canResend();

        /** A try begins: the exchange waits for its connection. */
        void connecting();

        /** The try has its origin connection: the request goes out on it. */
        void connected(Channel ch);

        /** No further try: the exchange ends on {@code failure}. */
        void end(UpstreamFailure failure);
    }

    private final Owner owner;
    private final UpstreamAttempt attempt;
    private final HttpRequest request;
    private final RequestLog log;
    private final OriginWrites toOrigin;
    private final UpstreamConfig upstream;
    private final Deadlines deadlines;
    private int tries; // which try an acquire belongs to: a late connect of a timed-out try is not this try's

    OriginTries(
            Owner owner,
            ForwardedRequest forwarded,
            UpstreamAttempt attempt,
            OriginWrites toOrigin,
            EventExecutor loop) {
        this.owner = requireNonNull(owner, "owner");
        this.attempt = requireNonNull(attempt, "attempt");
        this.request = forwarded.request();
        this.log = forwarded.log();
        this.toOrigin = requireNonNull(toOrigin, "toOrigin");
        this.upstream = forwarded.route().upstream().config();
        this.deadlines = new Deadlines(loop);
    }

    /** Picks an endpoint and makes the first try; without an endpoint the exchange ends at once. */
    void start() {
        UpstreamFailure none = log.pick(attempt);
        if (none != null) {
            owner.end(none);
        } else {
            attempt.begin();
            // checked here, not in Deadlines: the method references would be made per request even when unused
            if (upstream.policy().requestTimeout().isPresent()) {
                deadlines.startTotal(upstream.policy().requestTimeout().get(), this::totalTimedOut);
            }
            acquire();
        }
    }

    private void acquire() {
        owner.connecting();
        int thisTry = ++tries;
        Optional<Duration> perTry = upstream.policy().retries().perTryTimeout();
        deadlines.startTry(perTry.orElse(null), perTry.isPresent() ? this::tryTimedOut : null);
        log.connecting();
        Channel idle = attempt.pollIdle();
        if (idle != null) {
            owner.connected(idle); // the usual case under load: a pooled keep-alive connection, no future needed
            return;
        }
        Future<Channel> f = attempt.acquire();
        if (f.isDone()) {
            onAcquired(f, thisTry);
        } else {
            f.addListener(x -> onAcquired(f, thisTry));
        }
    }

    private void onAcquired(Future<Channel> f, int thisTry) {
        if (owner.over() || thisTry != tries) {
            if (f.isSuccess()) {
                attempt.release(f.getNow()); // a fresh, unused connection: keep it for the next one
            }
            return;
        }
        if (!f.isSuccess()) {
            UpstreamFailure failure = attempt.failed(f.cause());
            // nothing of the request left the proxy: another try, on another endpoint if there is one
            if (!retryOn(RetryOn.CONNECT_FAILURE)) {
                owner.end(failure);
            }
            return;
        }
        owner.connected(f.getNow());
    }

    /**
     * Tries again after {@code cause} when the route's retries allow it: the try's connection (if any) is closed,
     * never pooled, and a new one is acquired. False when the exchange must end on the failure instead.
     */
    boolean retryOn(RetryOn cause) {
        if (!attempt.retry(cause, request.method().name(), owner.canResend())) {
            return false;
        }
        toOrigin.close();
        toOrigin.lost();
        log.upstream(attempt.endpoint().toString());
        acquire();
        return true;
    }

    /**
     * The origin closed the connection after the whole request went out and before any answer: most
     * likely a pooled connection the origin closed as it was reused. An idempotent request can be repeated safely
     * (RFC 9110 §9.2.2), so it gets one more try on a new connection. False when it may not.
     */
    boolean retryStale() {
        if (!RetryPolicy.idempotent(request) || !owner.canResend() || !toOrigin.reused() || !attempt.retryFresh()) {
            return false;
        }
        toOrigin.lost();
        acquire();
        return true;
    }

    /** The response head arrived: the try succeeded and its timer is off. */
    void answered() {
        deadlines.tryAnswered();
        attempt.succeeded();
    }

    /** The exchange is over, whichever way: timers off, what the attempt counted given back. */
    void end() {
        deadlines.cancel();
        attempt.end();
    }

    /** {@code retries.per-try-timeout} passed without a response head: another try, or 504. */
    private void tryTimedOut() {
        if (!owner.awaitingHead()) {
            return;
        }
        UpstreamFailure failure = UpstreamFailure.timeout("origin did not answer within per-try-timeout of "
                + upstream.policy().retries().perTryTimeout().orElseThrow().toMillis() + " ms ("
                + attempt.endpoint() + ")");
        attempt.count(failure);
        if (!retryOn(RetryOn.STATUS_504)) {
            owner.end(failure);
        }
    }

    /** The route's {@code timeout} passed: 504 before the response began, cut off after. */
    private void totalTimedOut() {
        if (owner.over()) {
            return;
        }
        owner.end(UpstreamFailure.timeout("request not complete within the route's timeout of "
                + upstream.policy().requestTimeout().orElseThrow().toMillis() + " ms (" + attempt.endpoint() + ")"));
    }
}
