package io.mtlsproxy.core.forward;

import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * What a client pipelined behind the request in flight (heads and body pieces, decoded), waiting its turn in
 * arrival order. Small by construction: the connection is not read while anything waits here.
 */
final class PipelinedRequests {
    /** Made on the first piece that has to wait: an HTTP/2 stream carries one request and never needs it. */
    private ArrayDeque<HttpObject> waiting;

    private boolean replaying;

    boolean isEmpty() {
        return waiting == null || waiting.isEmpty();
    }

    void add(HttpObject msg) {
        if (waiting == null) {
            waiting = new ArrayDeque<>(4);
        }
        waiting.add(msg);
    }

    /** Releases everything waiting: what follows a closing answer or an upgrade is never served. */
    void drop() {
        if (waiting == null) {
            return;
        }
        HttpObject m;
        while ((m = waiting.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
    }

    /**
     * Hands over, in order, each waiting piece {@code canTake} accepts now, and stops at the first it does not.
     * A call from inside {@code take} (a request answered at once ends its exchange) does nothing: the outer
     * call goes on with the next piece.
     */
    void replay(Predicate<HttpObject> canTake, Consumer<HttpObject> take) {
        if (replaying || waiting == null) {
            return;
        }
        replaying = true;
        try {
            while (!waiting.isEmpty() && canTake.test(waiting.peek())) {
                take.accept(waiting.poll());
            }
        } finally {
            replaying = false;
        }
    }
}
