package io.mtlsproxy.admin.log;

import static java.util.Objects.requireNonNull;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * <p>
 * A file log can be reopened ({@link #reopen()}, on SIGUSR1 as nginx and Envoy do): logrotate renames the file,
 * signals, and the writer closes the renamed file and creates a new one at the configured path, so no line is
 * lost and none is written twice (no copytruncate race). The reopen happens on the writer thread, between lines.
 */
public final class JsonAccessLog implements AccessLog {
    public static final int DEFAULT_CAPACITY = 16_384;
    private static final Logger log = LoggerFactory.getLogger(JsonAccessLog.class);
    private static final JsonFactory JSON = new JsonFactory()
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

    private final BlockingQueue<AccessLogEntry> queue;
    private final Path file;
    private final boolean closeOut;
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    /** Written only by the writer thread once it runs (a reopen swaps it). */
    private OutputStream out;
    private volatile boolean reopenRequested;
    private volatile boolean closed;

    /**
     * @param out where lines go; buffered here, flushed whenever the queue runs empty
     * @param closeOut whether {@link #close()} closes {@code out} (a file: yes; stdout: no)
     */
    public JsonAccessLog(OutputStream out, boolean closeOut, int capacity) {
        this(null, requireNonNull(out, "out"), closeOut, capacity);
    }

    /**
     * A log appending to {@code file} (created when missing), which {@link #reopen()} can reopen.
     *
     * @throws IOException when the file cannot be opened
     */
    public static JsonAccessLog appendingTo(Path file, int capacity) throws IOException {
        return new JsonAccessLog(file, openForAppend(file), true, capacity);
    }

    private JsonAccessLog(Path file, OutputStream out, boolean closeOut, int capacity) {
        this.file = file;
        this.out = out;
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

    /**
     * Asks the writer to close the file and open it again by its path (after a rotation renamed it). Returns at
     * once; lines queued before and after go to the old and the new file in order. A log on stdout ignores it.
     */
    public void reopen() {
        if (file != null) {
            reopenRequested = true;
        }
    }

    /** Entries dropped because the queue was full, the log closed, or a write failed. */
    public long dropped() {
        return dropped.get();
    }

    private void writeLoop() {
        boolean failing = false;
        JsonGenerator json = null;
        try {
            json = generator();
            while (!closed || !queue.isEmpty()) {
                if (reopenRequested) {
                    json = reopened(json);
                }
                AccessLogEntry entry = queue.poll(100, TimeUnit.MILLISECONDS);
                if (entry == null) {
                    continue;
                }
                try {
                    do {
                        AccessLogLine.write(json, entry);
                        json.writeRaw('\n');
                        entry = reopenRequested ? null : queue.poll(); // a reopen waits for the burst's end only
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
            closeQuietly(json);
        }
    }

    private JsonGenerator generator() throws IOException {
        JsonGenerator json = JSON.createGenerator(new BufferedOutputStream(out, 64 * 1024));
        json.setRootValueSeparator(null);
        return json;
    }

    /**
     * Opens the file by its path first and only then closes the old stream: when the new file cannot be opened
     * (a full disk, a missing directory) the log keeps writing where it was instead of going dark.
     */
    private JsonGenerator reopened(JsonGenerator json) {
        reopenRequested = false;
        OutputStream fresh;
        try {
            fresh = openForAppend(file);
        } catch (IOException e) {
            log.error("access log reopen failed, still writing to the previous file: {}", e.toString());
            return json;
        }
        closeQuietly(json);
        out = fresh;
        try {
            JsonGenerator g = generator();
            log.info("access log reopened: {}", file);
            return g;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // creating a generator over a stream does no I/O
        }
    }

    /** Flushes what the generator buffered, then closes the stream when it is this log's to close. */
    private void closeQuietly(JsonGenerator json) {
        try {
            if (json != null) {
                json.close(); // AUTO_CLOSE_TARGET is off: flushes into out, leaves it open
            }
        } catch (IOException e) {
            log.warn("flushing the access log failed: {}", e.toString());
        }
        if (closeOut) {
            try {
                out.close();
            } catch (IOException e) {
                log.warn("closing the access log failed: {}", e.toString());
            }
        }
    }

    private static OutputStream openForAppend(Path file) throws IOException {
        return Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
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
            if (e.awsVpceId() != null) { // only behind PrivateLink: other lines keep their shape
                g.writeStringField("aws_vpce_id", e.awsVpceId());
            }
            g.writeEndObject();
        }
    }
}
