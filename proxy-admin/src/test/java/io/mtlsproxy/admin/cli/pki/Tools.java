package io.mtlsproxy.admin.cli.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The openssl and curl command lines the interop tests run, found on PATH (CI installs them). */
final class Tools {
    private static final DateTimeFormatter OPENSSL_DATE = DateTimeFormatter.ofPattern(
                    "MMM d HH:mm:ss yyyy 'GMT'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private Tools() {}

    record Output(int exit, String text) {}

    static Path find(String name) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.concat(Stream.of(path.split(":")), Stream.of("/usr/bin", "/usr/sbin", "/usr/local/bin"))
                .filter(d -> !d.isEmpty())
                .map(d -> Path.of(d, name))
                .filter(Files::isExecutable)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(name + " not found on PATH (CI installs it)"));
    }

    /** Runs a command to completion (stderr merged into stdout), failing the test after {@code timeout}. */
    static Output run(Duration timeout, List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
                try {
                    return p.getInputStream().readAllBytes();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                fail("timed out after " + timeout + ": " + command);
            }
            return new Output(p.exitValue(), new String(out.get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("running " + command, e);
        }
    }

    static Output openssl(Object... args) {
        List<String> command = new ArrayList<>();
        command.add(find("openssl").toString());
        for (Object a : args) {
            command.add(String.valueOf(a));
        }
        return run(Duration.ofSeconds(20), command);
    }

    /** openssl that must succeed; returns its output. */
    static String opensslOk(Object... args) {
        Output o = openssl(args);
        assertEquals(0, o.exit(), () -> "openssl " + List.of(args) + ":\n" + o.text());
        return o.text();
    }

    /** The days between "Not Before" and "Not After" in {@code openssl x509 -text} output, rounded. */
    static long validityDays(String x509Text) {
        Instant notBefore = date(x509Text, "Not Before");
        Instant notAfter = date(x509Text, "Not After");
        return Math.round(Duration.between(notBefore, notAfter).toMinutes() / (24.0 * 60));
    }

    private static Instant date(String text, String label) {
        Matcher m = Pattern.compile(label + "\\s*:\\s*(.+ GMT)").matcher(text);
        if (!m.find()) {
            fail("no " + label + " in:\n" + text);
        }
        return Instant.from(OPENSSL_DATE.parse(m.group(1).replaceAll("\\s+", " ")));
    }
}
