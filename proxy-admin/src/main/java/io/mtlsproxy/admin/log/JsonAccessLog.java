package io.mtlsproxy.admin.log;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import io.mtlsproxy.admin.json.Rfc3339;
import io.mtlsproxy.core.metrics.AccessLog;
import io.mtlsproxy.core.metrics.AccessLogEntry;

/**
 * The access log: one JSON object per line per request. Event loops only offer the entry to a bounded queue;
 * one writer thread formats and writes. When the queue is full (the disk or the pipe is slower than the
 * traffic) the entry is dropped and counted: a proxy that stalls its connections for its own log would turn a
 * slow disk into an outage.
 */
public final class JsonAccessLog implements AccessLog {
    public static final int DEFAULT_CAPACITY = 16_384;
    private static final Logger log = LoggerFactory.getLogger(JsonAccessLog.class);
    private static final JsonFactory JSON = new JsonFactory()
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

    private final BlockingQueue<AccessLogEntry> queue;
    private final OutputStream out;
    private final boolean closeOut;
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private volatile boolean closed;

    /**
     * @param out where lines go; buffered here, flushed whenever the queue runs empty
     * @param closeOut whether {@link #close()} closes {@code out} (a file: yes; stdout: no)
     */
    public JsonAccessLog(OutputStream out, boolean closeOut, int capacity) {
        this.out = requireNonNull(out, "out");
        this.closeOut = closeOut;
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
        }
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.writer = new Thread(this::writeLoop, "access-log");
        writer.setDaemon(true);
        writer.start();
    }

    /** Never blocks: queues the entry, or drops and counts it when the queue is full or the log closed. */
    @Override
    public void log(AccessLogEntry entry) {
        if (closed || !queue.offer(entry)) {
            dropped.incrementAndGet();
        }
    }

    /** Entries dropped because the queue was full, the log closed, or a write failed. */
    public long dropped() {
        return dropped.get();
    }

    private void writeLoop() {
        boolean failing = false;
        try (JsonGenerator json = JSON.createGenerator(new java.io.BufferedOutputStream(out, 64 * 1024))) {
            json.setRootValueSeparator(null);
            while (!closed || !queue.isEmpty()) {
                AccessLogEntry entry = queue.poll(100, TimeUnit.MILLISECONDS);
                if (entry == null) {
                    continue;
                }
                try {
                    do {
                        AccessLogLine.write(json, entry);
                        json.writeRaw('\n');
                        entry = queue.poll();
                    } while (entry != null);
                    json.flush(); // the queue ran empty: a line becomes visible within one burst
                    if (failing) {
                        log.info("access log writable again");
                        failing = false;
                    }
                } catch (IOException e) {
                    dropped.incrementAndGet();
                    if (!failing) {
                        log.error("access log write failed; dropping entries until it succeeds again: {}",
                                e.toString());
                        failing = true;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.error("access log closed with an error: {}", e.toString());
        } finally {
            if (closeOut) {
                try {
                    out.close();
                } catch (IOException e) {
                    log.warn("closing the access log failed: {}", e.toString());
                }
            }
        }
    }

    /** Writes what is queued, then stops the writer (waits up to five seconds). */
    @Override
    public void close() {
        closed = true;
        try {
            writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The JSON of one line; a separate class so that the field list reads in one place. */
    static final class AccessLogLine {
        private AccessLogLine() {
        }

        static void write(JsonGenerator g, AccessLogEntry e) throws IOException {
            g.writeStartObject();
            g.writeStringField("time", Rfc3339.millis(e.time()));
            g.writeStringField("listener", e.listener());
            g.writeStringField("route", e.route());
            g.writeStringField("remote_address", e.remoteAddress());
            g.writeStringField("method", e.method());
            g.writeStringField("path", e.path());
            g.writeNumberField("status", e.status());
            g.writeNumberField("bytes_in", e.bytesIn());
            g.writeNumberField("bytes_out", e.bytesOut());
            g.writeFieldName("duration_ms");
            g.writeNumber(BigDecimal.valueOf(e.durationMicros(), 3)); // microsecond precision, exact
            g.writeStringField("upstream", e.upstreamEndpoint());
            g.writeFieldName("client");
            if (e.clientSubject() == null && e.clientSha256() == null) {
                g.writeNull();
            } else {
                g.writeStartObject();
                g.writeStringField("subject", e.clientSubject());
                g.writeArrayFieldStart("uri_sans");
                if (e.clientUriSans() != null) {
                    for (String uri : e.clientUriSans()) {
                        g.writeString(uri);
                    }
                }
                g.writeEndArray();
                g.writeStringField("sha256", e.clientSha256());
                g.writeEndObject();
            }
            g.writeStringField("reason", e.reason());
            g.writeEndObject();
        }
    }
}
