package io.mtlsproxy.bench.h2load;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What h2load prints at the end of a run, read from its standard output. In a timing-based run ({@code -D}) the
 * counts, req/s and the request times cover the main duration only, not the warm-up. In h2load's terms
 * {@code succeeded} are 2xx and 3xx answers; {@code failed} are 4xx and 5xx answers plus {@code errored} streams
 * (ended without an answer, or never sent because their connection broke or could not be made);
 * {@code timeout} streams are among the errored. TLS details and the ALPN result are empty when no connection got
 * that far.
 */
public record H2LoadSummary(
        double requestsPerSecond,
        long total,
        long started,
        long done,
        long succeeded,
        long failed,
        long errored,
        long timeout,
        long status2xx,
        long status3xx,
        long status4xx,
        long status5xx,
        String tlsProtocol,
        String cipher,
        String applicationProtocol,
        RequestTime requestTime) {
    private static final Pattern FINISHED = Pattern.compile("^finished in \\S+, ([\\d.]+) req/s", Pattern.MULTILINE);
    private static final Pattern REQUESTS = Pattern.compile(
            "^requests: (\\d+) total, (\\d+) started, (\\d+) done, "
                    + "(\\d+) succeeded, (\\d+) failed, (\\d+) errored(?:, (\\d+) timeout)?",
            Pattern.MULTILINE);
    private static final Pattern STATUS =
            Pattern.compile("^status codes: (\\d+) 2xx, (\\d+) 3xx, (\\d+) 4xx, " + "(\\d+) 5xx", Pattern.MULTILINE);
    private static final Pattern REQUEST_TIME =
            Pattern.compile("^time for request:\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)" + "\\s+(\\S+)", Pattern.MULTILINE);
    private static final Pattern TLS_PROTOCOL = Pattern.compile("^TLS Protocol: (\\S+)", Pattern.MULTILINE);
    private static final Pattern CIPHER = Pattern.compile("^Cipher: (\\S+)", Pattern.MULTILINE);
    private static final Pattern ALPN = Pattern.compile("^Application protocol: (\\S+)", Pattern.MULTILINE);
    private static final Pattern DURATION = Pattern.compile("([\\d.]+)(us|ms|s)");

    public H2LoadSummary {
        requireNonNull(tlsProtocol, "tlsProtocol");
        requireNonNull(cipher, "cipher");
        requireNonNull(applicationProtocol, "applicationProtocol");
        requireNonNull(requestTime, "requestTime");
    }

    /** Answers of any status: what the Netty load generator counts as requests too. */
    public long answers() {
        return status2xx + status3xx + status4xx + status5xx;
    }

    /** Answers outside 2xx, the load generator's {@code status} errors. */
    public long notOk() {
        return status3xx + status4xx + status5xx;
    }

    /** h2load's "time for request" line: min, max, mean and standard deviation, in microseconds. */
    public record RequestTime(long minMicros, long maxMicros, long meanMicros, long sdMicros) {
        /** {@code min 20 µs, mean 309 µs, sd 1.30 ms, max 53.04 ms}. */
        public String describe() {
            return "min " + human(minMicros) + ", mean " + human(meanMicros) + ", sd " + human(sdMicros) + ", max "
                    + human(maxMicros);
        }

        private static String human(long micros) {
            return micros < 1000 ? micros + " µs" : String.format(Locale.ROOT, "%.2f ms", micros / 1000.0);
        }
    }

    /**
     * Reads h2load's output. Fails when the summary is missing (h2load did not get to the end), naming what was
     * expected.
     */
    public static H2LoadSummary parse(String output) {
        requireNonNull(output, "output");
        Matcher finished = required(FINISHED, output, "a 'finished in …, N req/s' line");
        Matcher requests = required(REQUESTS, output, "a 'requests: N total, …' line");
        Matcher status = required(STATUS, output, "a 'status codes: N 2xx, …' line");
        Matcher time = required(REQUEST_TIME, output, "a 'time for request:' line");
        return new H2LoadSummary(
                Double.parseDouble(finished.group(1)),
                count(requests, 1),
                count(requests, 2),
                count(requests, 3),
                count(requests, 4),
                count(requests, 5),
                count(requests, 6),
                requests.group(7) == null ? 0 : count(requests, 7),
                count(status, 1),
                count(status, 2),
                count(status, 3),
                count(status, 4),
                optional(TLS_PROTOCOL, output),
                optional(CIPHER, output),
                optional(ALPN, output),
                new RequestTime(
                        micros(time.group(1)), micros(time.group(2)), micros(time.group(3)), micros(time.group(4))));
    }

    /** h2load's durations: {@code 20us}, {@code 1.43ms}, {@code 3.06s}. */
    static long micros(String text) {
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("h2load duration: " + text + " (expected: a number with us, ms or s)");
        }
        double value = Double.parseDouble(m.group(1));
        double factor = switch (m.group(2)) {
            case "us" -> 1;
            case "ms" -> 1_000;
            default -> 1_000_000;
        };
        return Math.round(value * factor);
    }

    private static Matcher required(Pattern pattern, String output, String expected) {
        Matcher m = pattern.matcher(output);
        if (!m.find()) {
            throw new IllegalArgumentException("h2load printed no summary (expected: " + expected + ")");
        }
        return m;
    }

    private static String optional(Pattern pattern, String output) {
        Matcher m = pattern.matcher(output);
        return m.find() ? m.group(1) : "";
    }

    private static long count(Matcher m, int group) {
        return Long.parseLong(m.group(group));
    }
}
