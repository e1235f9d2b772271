package io.mtlsproxy.bench.soak;

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

/** Saves a soak as {@code soak-<timestamp>.md} and {@code .json} (UTC), each by rename. */
public final class SoakResults {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private SoakResults() {}

    public static List<Path> write(SoakReport report, String markdown, Path dir) throws IOException {
        Files.createDirectories(dir);
        String stamp = "soak-" + ZonedDateTime.now(ZoneOffset.UTC).format(STAMP);
        Path md = dir.resolve(stamp + ".md");
        Path json = dir.resolve(stamp + ".json");
        atomically(md, markdown);
        atomically(json, JSON.writeValueAsString(report) + "\n");
        return List.of(md, json);
    }

    public static SoakReport read(Path json) throws IOException {
        return JSON.readValue(json.toFile(), SoakReport.class);
    }

    private static void atomically(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
