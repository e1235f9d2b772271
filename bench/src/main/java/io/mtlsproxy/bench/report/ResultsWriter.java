package io.mtlsproxy.bench.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * Saves a report as {@code <timestamp>.md} and {@code <timestamp>.json} in the results directory and copies
 * both to {@code latest.md} / {@code latest.json}. Each file is written to a temporary name and renamed, so a
 * reader never sees half a file.
 */
public final class ResultsWriter {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private ResultsWriter() {}

    /** Writes the four files and returns the timestamped Markdown and JSON paths. */
    public static List<Path> write(BenchReport report, String markdown, Path dir) throws IOException {
        Files.createDirectories(dir);
        String stamp = ZonedDateTime.now(ZoneOffset.UTC).format(STAMP);
        String json = toJson(report);
        Path md = dir.resolve(stamp + ".md");
        Path js = dir.resolve(stamp + ".json");
        atomically(md, markdown);
        atomically(js, json);
        atomically(dir.resolve("latest.md"), markdown);
        atomically(dir.resolve("latest.json"), json);
        return List.of(md, js);
    }

    public static String toJson(BenchReport report) throws IOException {
        return JSON.writeValueAsString(report) + "\n";
    }

    public static BenchReport readJson(Path file) throws IOException {
        return JSON.readValue(file.toFile(), BenchReport.class);
    }

    private static void atomically(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
