package io.mtlsproxy.core.forward;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The two timers an exchange has only when its route asks for them: the route's {@code timeout} (the whole
 * request, from its start to the end of the response) and {@code retries.per-try-timeout} (one try, from its
 * connect to the response head). Without them nothing is scheduled: the common route pays no timer per request.
 * Used on the exchange's event loop only.
 */
final class Deadlines {
    private final EventExecutor loop;
    private ScheduledFuture<?> total;
    private ScheduledFuture<?> perTry;

    Deadlines(EventExecutor loop) {
        this.loop = loop;
    }

    void startTotal(Duration timeout, Runnable onTimeout) {
        total = loop.schedule(onTimeout, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** A try begins: the previous try's timer, if any, is replaced; a null {@code timeout} sets none. */
    void startTry(Duration timeout, Runnable onTimeout) {
        tryAnswered();
        if (timeout != null) {
            perTry = loop.schedule(onTimeout, timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** The response head arrived: the try is over. */
    void tryAnswered() {
        if (perTry != null) {
            perTry.cancel(false);
            perTry = null;
        }
    }

    void cancel() {
        tryAnswered();
        if (total != null) {
            total.cancel(false);
            total = null;
        }
    }
}
