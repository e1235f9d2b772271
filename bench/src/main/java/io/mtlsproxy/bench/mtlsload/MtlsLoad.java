package io.mtlsproxy.bench.mtlsload;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.bench.process.ManagedProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Runs {@code mtlsload} (a Go load generator that presents client certificates, in {@code ../shared/tools}) as a
 * second opinion on the keep-alive mTLS row: written by other hands with another TLS stack, it tells whether the
 * bench's own Netty load generator flatters or penalises any peer. It reads its {@code RESULT key=value ...} line,
 * and the peer's CPU through its {@code -watch} option over the same measured window.
 */
public final class MtlsLoad {
    /** Process start, connection set-up and the report after warm-up plus duration. */
    private static final Duration EXIT_GRACE = Duration.ofSeconds(10);

    private MtlsLoad() {}

    /** The binary, when it is there and executable. */
    public static Optional<Path> find(Path tool) {
        return Files.isExecutable(tool) ? Optional.of(tool) : Optional.empty();
    }

    static List<String> command(Path binary, MtlsLoadSpec spec) {
        List<String> cmd = new ArrayList<>(List.of(
                binary.toString(),
                // The proxy certificate names localhost; the host of the URL is also the SNI and the Host header.
                "-url",
                "https://localhost:" + spec.port() + spec.path(),
                "-c",
                Integer.toString(spec.connections()),
                "-d",
                spec.duration().toMillis() + "ms",
                "-warmup",
                spec.warmup().toMillis() + "ms",
                "-cacert",
                spec.caCert().toString(),
                "-cert",
                spec.clientCert().toString(),
                "-key",
                spec.clientKey().toString(),
                "-watch",
                "peer=" + spec.peerPid()));
        return cmd;
    }

    public static MtlsLoadResult run(Path binary, MtlsLoadSpec spec, Path dir)
            throws IOException, InterruptedException {
        requireNonNull(binary, "binary");
        Files.createDirectories(dir);
        Path output = dir.resolve("mtlsload.out");
        ManagedProcess process = ManagedProcess.start("mtlsload", command(binary, spec), spec.cpus(), dir, output);
        OptionalInt exit;
        try {
            exit = process.awaitExit(spec.warmup().plus(spec.duration()).plus(EXIT_GRACE));
        } finally {
            process.close();
        }
        if (exit.isEmpty()) {
            throw new IllegalStateException("did not finish in time; " + process.logTail(3));
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(
                    e.getMessage() + " (exit code " + exit.getAsInt() + "); " + process.logTail(3), e);
        }
    }

    /** Reads the {@code RESULT} line: {@code RESULT rps=590.0 p50_ms=3.238 ... errors=0 requests=1180 ...}. */
    static MtlsLoadResult parse(String output) {
        String line = output.lines()
                .filter(l -> l.startsWith("RESULT "))
                .reduce((a, b) -> b)
                .orElseThrow(() -> new IllegalArgumentException("mtlsload printed no RESULT line"));
        Map<String, String> fields = new HashMap<>();
        for (String pair : line.substring("RESULT ".length()).trim().split("\\s+")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                fields.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return new MtlsLoadResult(
                number(fields, "rps"),
                (long) number(fields, "requests"),
                number(fields, "p50_ms"),
                number(fields, "p99_ms"),
                number(fields, "p999_ms"),
                (long) number(fields, "errors"),
                number(fields, "peer_cpu"));
    }

    private static double number(Map<String, String> fields, String key) {
        String value = fields.get(key);
        if (value == null) {
            throw new IllegalArgumentException("mtlsload's RESULT line has no " + key + " (expected: " + key + "=N)");
        }
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("mtlsload's " + key + " is not a number: " + value);
        }
    }
}
