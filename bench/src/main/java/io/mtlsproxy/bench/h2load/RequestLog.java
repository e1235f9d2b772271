package io.mtlsproxy.bench.h2load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * h2load's {@code --log-file}: one line per request of the main duration (the warm-up is not logged), tab
 * separated: start time (µs since the epoch), HTTP status ({@code -1} for a stream that got no answer), and µs
 * from sending the request to the end of the answer. h2load itself prints only min/max/mean/sd; this gives the
 * same percentiles as the other rows (HdrHistogram, 3 significant digits), over answered requests.
 */
public record RequestLog(long answers, long failed, long p50Micros, long p99Micros, long p999Micros, long maxMicros) {
    private static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);

    public static RequestLog read(Path file) throws IOException {
        try (Stream<String> lines = Files.lines(file, StandardCharsets.US_ASCII)) {
            return parse(lines);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    static RequestLog parse(Stream<String> lines) {
        Histogram histogram = new Histogram(HIGHEST_MICROS, 3);
        long[] failed = {0};
        lines.forEach(line -> {
            if (line.isBlank()) {
                return;
            }
            String[] fields = line.split("\t");
            if (fields.length < 3) {
                throw new IllegalArgumentException(
                        "h2load log line: " + line + " (expected: start time, status and duration, tab separated)");
            }
            if (Integer.parseInt(fields[1].trim()) < 0) {
                failed[0]++;
                return;
            }
            long micros = Long.parseLong(fields[2].trim());
            histogram.recordValue(Math.min(HIGHEST_MICROS, Math.max(1, micros)));
        });
        return new RequestLog(
                histogram.getTotalCount(),
                failed[0],
                histogram.getValueAtPercentile(50),
                histogram.getValueAtPercentile(99),
                histogram.getValueAtPercentile(99.9),
                histogram.getMaxValue());
    }
}
