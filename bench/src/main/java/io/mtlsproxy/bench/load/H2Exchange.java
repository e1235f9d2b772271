package io.mtlsproxy.bench.load;

/** One HTTP/2 stream's request and what came back so far: one per concurrent stream of an {@link H2Driver}, reused. */
final class H2Exchange {
    int streamId;
    long sentAt;
    int status;
    long bodyBytes;
    boolean active;

    void open(int id, long now) {
        streamId = id;
        sentAt = now;
        status = 0;
        bodyBytes = 0;
        active = true;
    }
}
