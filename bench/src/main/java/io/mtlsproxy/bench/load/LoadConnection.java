package io.mtlsproxy.bench.load;

/**
 * One client connection slot of a {@link LoopContext}, living on its event loop: {@link Driver} (HTTP/1.1, one
 * request at a time) or {@link H2Driver} (HTTP/2, many streams). Every method runs on the loop.
 */
interface LoadConnection {
    /** Connects and starts sending. */
    void start();

    /** From the loop's sweeper: fails what waited longer than the request timeout. */
    void checkTimeout(long nowNanos);

    /** Ends this slot (closing its connection) and tells the loop it is done. */
    void finish();

    /** After the deadline: whatever is still in flight timed out; closes without telling the loop. */
    void abort();
}
