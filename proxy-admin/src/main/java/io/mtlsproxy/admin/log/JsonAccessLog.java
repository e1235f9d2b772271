package io.mtlsproxy.admin.log;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.mtlsproxy.config.AccessLogFormat;
import io.mtlsproxy.core.metrics.AccessLog;
import io.mtlsproxy.core.metrics.AccessLogEntry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log: one JSON object per line per request. Event loops only offer the entry to a bounded queue;
 * one writer thread formats and writes. When the queue is full (the disk or the pipe is slower than the
 * traffic) the entry is dropped and counted: a proxy that stalls its connections for its own log would turn a
 * slow disk into an outage. When the disk is full, the lines that cannot be written are dropped and counted too,
 * the file keeps only whole lines, and writing resumes by itself once there is space again.
 * <p>
 * A file log can be reopened ({@link #reopen()}, on SIGUSR1 as nginx and Envoy do): logrotate renames the file,
 * signals, and the writer closes the renamed file and creates a new one at the configured path, so no line is
 * lost and none is written twice (no copytruncate race). The reopen happens on the writer thread, between lines.
 */
public final class JsonAccessLog implements AccessLog {
    public static final int DEFAULT_CAPACITY = 16_384;
    private static final Logger log = LoggerFactory.getLogger(JsonAccessLog.class);
    private static final JsonFactory JSON = new JsonFactory().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

    private final BlockingQueue<AccessLogEntry> queue;
    private final Path file;
    private final boolean closeOut;
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private final AccessLogLine line;
    /** Lines most written in one go: bounds the memory of a burst. */
    private static final int MAX_BURST_LINES = 256;

    /** Written only by the writer thread once it runs (a reopen swaps it). */
    private OutputStream out;
    /** The file's channel (null on stdout): a burst the disk could not take whole is cut off again. */
    private FileChannel channel;
    /** The lines of one burst, formatted in memory before they go out in one write. */
    private final ByteArrayOutputStream burst = new ByteArrayOutputStream(64 * 1024);

    private volatile boolean reopenRequested;
    private volatile boolean closed;

    /**
     * @param out where lines go, a burst at a time (whatever is queued, up to 256 lines) in one write
     * @param closeOut whether {@link #close()} closes {@code out} (a file: yes; stdout: no)
     */
    public JsonAccessLog(OutputStream out, boolean closeOut, int capacity) {
        this(out, closeOut, capacity, AccessLogFormat.DEFAULT);
    }

    /** As {@link #JsonAccessLog(OutputStream, boolean, int)}, with lines shaped by {@code format}. */
    public JsonAccessLog(OutputStream out, boolean closeOut, int capacity, AccessLogFormat format) {
        this(null, null, requireNonNull(out, "out"), closeOut, capacity, format);
    }

    /**
     * A log appending to {@code file} (created when missing), which {@link #reopen()} can reopen.
     *
     * @throws IOException when the file cannot be opened
     */
    public static JsonAccessLog appendingTo(Path file, int capacity) throws IOException {
        return appendingTo(file, capacity, AccessLogFormat.DEFAULT);
    }

    /** As {@link #appendingTo(Path, int)}, with lines shaped by {@code format}. */
    public static JsonAccessLog appendingTo(Path file, int capacity, AccessLogFormat format) throws IOException {
        FileChannel channel = openForAppend(file);
        return new JsonAccessLog(file, channel, Channels.newOutputStream(channel), true, capacity, format);
    }

    private JsonAccessLog(
            Path file, FileChannel channel, OutputStream out, boolean closeOut, int capacity, AccessLogFormat format) {
        this.line = new AccessLogLine(requireNonNull(format, "format"));
        this.file = file;
        this.channel = channel;
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

    /** Entries dropped because the queue was full, the log closed, or their write failed (a full disk). */
    public long dropped() {
        return dropped.get();
    }

    /**
     * Takes what is queued, in bursts of at most {@link #MAX_BURST_LINES} lines, each formatted in memory and
     * written in one go. A burst the stream refuses (a full disk, a closed pipe) is dropped whole and counted line
     * by line, and on a file whatever part of it reached the disk is cut off again: the file holds only whole lines,
     * and lines written plus lines dropped is lines logged. The next burst tries again, so logging resumes by itself
     * when space returns.
     */
    private void writeLoop() {
        boolean failing = false;
        JsonGenerator json = generator();
        try {
            while (!closed || !queue.isEmpty()) {
                if (reopenRequested) {
                    reopenFile();
                }
                AccessLogEntry entry = queue.poll(100, TimeUnit.MILLISECONDS);
                int lines = 0;
                while (entry != null) {
                    line.write(json, entry);
                    json.writeRaw('\n');
                    lines++;
                    entry = lines < MAX_BURST_LINES && !reopenRequested ? queue.poll() : null;
                }
                if (lines == 0) {
                    continue;
                }
                json.flush(); // into the burst, in memory
                try {
                    writeBurst();
                    if (failing) {
                        log.info("access log writable again");
                        failing = false;
                    }
                } catch (IOException e) {
                    dropped.addAndGet(lines);
                    if (!failing) {
                        log.error(
                                "access log write failed; dropping entries until it succeeds again: {}", e.toString());
                        failing = true;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.error("access log closed with an error: {}", e.toString()); // formatting into memory: never
        } finally {
            closeOut();
        }
    }

    /** The burst to the stream, whole; on a file, cut back to where it was when the disk took only a part. */
    private void writeBurst() throws IOException {
        long before = channel != null ? channel.size() : -1;
        try {
            burst.writeTo(out);
            out.flush();
        } catch (IOException e) {
            if (channel != null) {
                try {
                    channel.truncate(before); // freeing space needs none
                } catch (IOException notCut) {
                    e.addSuppressed(notCut);
                }
            }
            throw e;
        } finally {
            burst.reset();
        }
    }

    private JsonGenerator generator() {
        try {
            JsonGenerator json = JSON.createGenerator(burst);
            json.setRootValueSeparator(null);
            return json;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a generator over memory does no I/O
        }
    }

    /**
     * Opens the file by its path first and only then closes the old one: when the new file cannot be opened
     * (a full disk, a missing directory) the log keeps writing where it was instead of going dark. Called between
     * bursts, with nothing of the old file left in memory.
     */
    private void reopenFile() {
        reopenRequested = false;
        FileChannel fresh;
        try {
            fresh = openForAppend(file);
        } catch (IOException e) {
            log.error("access log reopen failed, still writing to the previous file: {}", e.toString());
            return;
        }
        closeOut();
        channel = fresh;
        out = Channels.newOutputStream(fresh);
        log.info("access log reopened: {}", file);
    }

    /** Closes the stream when it is this log's to close (a file: yes; stdout: no). */
    private void closeOut() {
        if (closeOut) {
            try {
                out.close();
            } catch (IOException e) {
                log.warn("closing the access log failed: {}", e.toString());
            }
        }
    }

    private static FileChannel openForAppend(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
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
}
