package io.mtlsproxy.admin.json;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** RFC 3339 timestamps in UTC ({@code Z}), as every JSON answer and log line of the admin plane writes them. */
public final class Rfc3339 {
    private static final DateTimeFormatter SECONDS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssX").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter MILLIS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneOffset.UTC);

    private Rfc3339() {}

    /** {@code 2026-03-01T12:00:00Z}: certificate and CRL dates, which X.509 keeps to the second. Null stays null. */
    public static String seconds(Instant instant) {
        return instant == null ? null : SECONDS.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }

    /** {@code 2026-03-01T12:00:00.123Z}: event times, fixed width so that log lines line up. Null stays null. */
    public static String millis(Instant instant) {
        return instant == null ? null : MILLIS.format(instant);
    }
}
