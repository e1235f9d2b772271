package io.mtlsproxy.admin.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mtlsproxy.core.metrics.AccessLog;
import io.mtlsproxy.core.metrics.AccessLogEntry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** One JSON line per request, written off the caller's thread; "off" writes nothing; a full queue drops. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class JsonAccessLogTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static AccessLogEntry withIdentity() {
        return new AccessLogEntry(
                Instant.parse("2026-03-01T10:00:00.123456Z"),
                "public",
                "orders",
                "203.0.113.7:51234",
                "GET",
                "/orders/42?x=1",
                200,
                0,
                1234,
                1_532,
                "10.0.0.5:9443",
                "CN=checkout,O=Example",
                List.of("spiffe://example.org/ns/prod/sa/checkout"),
                "3f".repeat(32),
                "CN=Example clients CA 2026",
                "1a2b3c",
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                -1,
                -1,
                0);
    }

    static AccessLogEntry anonymousDenied() {
        return new AccessLogEntry(
                Instant.parse("2026-03-01T10:00:01Z"),
                "public",
                null,
                "203.0.113.8:40000",
                "POST",
                "/nowhere",
                404,
                17,
                18,
                250,
                null,
                null,
                List.of(),
                null,
                null,
                null,
                "no route matches",
                null,
                null,
                null,
                null,
                null,
                null,
                -1,
                -1,
                0);
    }

    @Test
    void aPrivateLinkConnectionCarriesItsVpcEndpointId() throws IOException {
        Path file = dir.resolve("privatelink.log");
        AccessLogEntry e = withIdentity();
        try (AccessLog log = AccessLogs.open(file.toString())) {
            log.log(new AccessLogEntry(
                    e.time(),
                    e.listener(),
                    e.route(),
                    e.remoteAddress(),
                    e.method(),
                    e.path(),
                    e.status(),
                    e.bytesIn(),
                    e.bytesOut(),
                    e.durationMicros(),
                    e.upstreamEndpoint(),
                    e.clientSubject(),
                    e.clientUriSans(),
                    e.clientSha256(),
                    e.clientIssuer(),
                    e.clientSerial(),
                    e.reason(),
                    "vpce-0123456789abcdef0",
                    null,
                    null,
                    null,
                    null,
                    null,
                    -1,
                    -1,
                    0));
        }
        JsonNode line = JSON.readTree(Files.readAllLines(file).get(0));
        assertEquals("vpce-0123456789abcdef0", line.get("aws_vpce_id").asText());
    }

    @Test
    void linesParseAsJsonAndCarryTheIdentity() throws IOException {
        Path file = dir.resolve("access.log");
        try (AccessLog log = AccessLogs.open(file.toString())) {
            assertTrue(log.enabled());
            log.log(withIdentity());
            log.log(anonymousDenied());
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(2, lines.size());
        JsonNode first = JSON.readTree(lines.get(0));
        assertEquals(
                List.of(
                        "time",
                        "listener",
                        "route",
                        "remote_address",
                        "method",
                        "path",
                        "status",
                        "bytes_in",
                        "bytes_out",
                        "duration_ms",
                        "upstream",
                        "client",
                        "reason",
                        "request_id",
                        "user_agent",
                        "tls_version",
                        "cipher",
                        "sni",
                        "upstream_connect_ms",
                        "upstream_response_ms",
                        "retries"),
                names(first));
        assertEquals("2026-03-01T10:00:00.123Z", first.get("time").asText());
        assertEquals("public", first.get("listener").asText());
        assertEquals("orders", first.get("route").asText());
        assertEquals("203.0.113.7:51234", first.get("remote_address").asText());
        assertEquals("GET", first.get("method").asText());
        assertEquals("/orders/42?x=1", first.get("path").asText());
        assertEquals(200, first.get("status").asInt());
        assertEquals(0, first.get("bytes_in").asLong());
        assertEquals(1234, first.get("bytes_out").asLong());
        assertEquals(1.532, first.get("duration_ms").asDouble());
        assertEquals("10.0.0.5:9443", first.get("upstream").asText());
        JsonNode client = first.get("client");
        assertEquals("CN=checkout,O=Example", client.get("subject").asText());
        assertEquals(
                "spiffe://example.org/ns/prod/sa/checkout",
                client.get("uri_sans").get(0).asText());
        assertEquals("3f".repeat(32), client.get("sha256").asText());
        assertEquals("CN=Example clients CA 2026", client.get("issuer").asText(), "which CA: old or new");
        assertEquals("1a2b3c", client.get("serial").asText());
        assertTrue(first.get("reason").isNull());

        JsonNode second = JSON.readTree(lines.get(1));
        assertTrue(second.get("client").isNull(), "no certificate, no client object");
        assertTrue(second.get("route").isNull());
        assertTrue(second.get("upstream").isNull());
        assertEquals(404, second.get("status").asInt());
        assertEquals(0.25, second.get("duration_ms").asDouble());
        assertEquals("no route matches", second.get("reason").asText());
    }

    @Test
    void aFileIsAppendedTo() throws IOException {
        Path file = dir.resolve("access.log");
        Files.writeString(file, "{\"earlier\":true}\n");
        try (AccessLog log = AccessLogs.open(file.toString())) {
            log.log(withIdentity());
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(2, lines.size());
        assertTrue(lines.get(0).contains("earlier"));
    }

    @Test
    void offIsTheNoOpLog() {
        assertSame(AccessLog.OFF, AccessLogs.open("off"));
        assertSame(AccessLog.OFF, AccessLogs.open("OFF"));
        assertFalse(AccessLog.OFF.enabled());
        AccessLog.OFF.log(withIdentity()); // nothing to observe but that it is accepted
        assertEquals(List.of(), listFiles());
    }

    @Test
    void anUnopenableFileIsNamedInTheError() {
        Path missingDir = dir.resolve("no-such-dir").resolve("access.log");
        var error = assertThrows(UncheckedIOException.class, () -> AccessLogs.open(missingDir.toString()));
        assertTrue(error.getMessage().startsWith("access-log: cannot open " + missingDir), error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AccessLogs.open(" "));
    }

    @Test
    void aFullQueueDropsAndCountsInsteadOfBlocking() throws Exception {
        CountDownLatch unblock = new CountDownLatch(1);
        CountDownLatch writing = new CountDownLatch(1);
        List<byte[]> written = new ArrayList<>();
        OutputStream stuck = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) {
                writing.countDown();
                try {
                    unblock.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                written.add(java.util.Arrays.copyOfRange(b, off, off + len));
            }
        };
        JsonAccessLog log = new JsonAccessLog(stuck, false, 4);
        log.log(withIdentity());
        assertTrue(writing.await(10, TimeUnit.SECONDS), "the writer reached the stuck stream");
        long start = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            log.log(withIdentity());
        }
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1), "log() never waits for the writer");
        assertEquals(96, log.dropped()); // 4 queued behind the one being written
        unblock.countDown();
        log.close();
        String out = new String(
                written.stream().reduce(new byte[0], JsonAccessLogTest::concat),
                java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(5, out.lines().count());
    }

    @Test
    void reopenAfterARenameStartsANewFileAndLosesNothing() throws Exception {
        Path file = dir.resolve("access.log");
        Path rotated = dir.resolve("access.log.1");
        JsonAccessLog log = JsonAccessLog.appendingTo(file, 64);
        try {
            log.log(withIdentity());
            awaitLines(file, 1);
            Files.move(file, rotated); // what logrotate does before it signals
            log.log(anonymousDenied()); // still goes to the renamed file: the writer holds it open
            awaitLines(rotated, 2);
            log.reopen();
            awaitLines(file, 0);
            log.log(withIdentity());
            awaitLines(file, 1);
        } finally {
            log.close();
        }
        assertEquals(2, Files.readAllLines(rotated).size());
        assertEquals(1, Files.readAllLines(file).size());
        assertEquals(0, log.dropped());
    }

    @Test
    void aFailedReopenKeepsWritingToTheOpenFile() throws Exception {
        Path file = dir.resolve("access.log");
        Path rotated = dir.resolve("access.log.1");
        JsonAccessLog log = JsonAccessLog.appendingTo(file, 64);
        try {
            Files.move(file, rotated);
            Files.createDirectory(file); // the path can no longer be opened as a file
            log.reopen();
            log.log(withIdentity());
            awaitLines(rotated, 1);
        } finally {
            log.close();
        }
        assertEquals(0, log.dropped());
    }

    @Test
    void reopenOnStdoutIsIgnored() {
        ByteArrayOutputStreamProbe out = new ByteArrayOutputStreamProbe();
        JsonAccessLog log = new JsonAccessLog(out, false, 4);
        log.reopen();
        log.log(withIdentity());
        log.close();
        assertEquals(
                1, out.toString(java.nio.charset.StandardCharsets.UTF_8).lines().count());
        assertFalse(out.closed, "a stream the log does not own stays open");
    }

    /** Waits (bounded) until {@code file} exists with exactly {@code lines} lines. */
    private static void awaitLines(Path file, int lines) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (Files.isRegularFile(file) && Files.readAllLines(file).size() == lines) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError(file + ": expected " + lines + " lines, found "
                + (Files.isRegularFile(file) ? Files.readAllLines(file).size() : "no file"));
    }

    private static final class ByteArrayOutputStreamProbe extends java.io.ByteArrayOutputStream {
        boolean closed;

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void droppedEntriesAreAMetric() throws IOException {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Path file = dir.resolve("access.log");
        AccessLog log = AccessLogs.open(file.toString(), registry);
        log.close();
        log.log(withIdentity()); // after close: dropped
        assertEquals(
                1.0,
                registry.get("mtls_proxy_access_log_dropped").functionCounter().count());
    }

    private List<Path> listFiles() {
        try (var files = Files.list(dir)) {
            return files.toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static List<String> names(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
