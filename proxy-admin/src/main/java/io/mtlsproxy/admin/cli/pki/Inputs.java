package io.mtlsproxy.admin.cli.pki;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/** Checks of the values the {@code pki} options take, each failing with a message that says what was expected. */
final class Inputs {
    static final int MAX_DAYS = 36_500;

    private Inputs() {}

    static Duration days(int days, String option) {
        if (days < 1 || days > MAX_DAYS) {
            throw new IllegalArgumentException(option + ": " + days + " (expected: 1.." + MAX_DAYS + ")");
        }
        return Duration.ofDays(days);
    }

    /** Thresholds may be 0 (never warn) but not negative. */
    static Duration thresholdDays(int days, String option) {
        if (days < 0 || days > MAX_DAYS) {
            throw new IllegalArgumentException(option + ": " + days + " (expected: 0.." + MAX_DAYS + ")");
        }
        return Duration.ofDays(days);
    }

    /** server or client. */
    static boolean isServer(String type) {
        return switch (type.toLowerCase(Locale.ROOT)) {
            case "server" -> true;
            case "client" -> false;
            default -> throw new IllegalArgumentException("--type: " + type + " (expected: server or client)");
        };
    }

    /**
     * A certificate must not outlive the CA that signs it: verifiers reject the chain once the CA expires, so the
     * extra days would be a promise nobody keeps.
     */
    static void requireWithin(X509Certificate ca, Instant notAfter, String option) {
        Instant caEnd = ca.getNotAfter().toInstant();
        if (notAfter.isAfter(caEnd)) {
            long left = Math.max(0, Duration.between(Instant.now(), caEnd).toDays());
            throw new IllegalArgumentException(option + ": the certificate would outlive its CA, valid until "
                    + caEnd.truncatedTo(ChronoUnit.SECONDS) + " (expected: at most " + left + " days)");
        }
    }

    /**
     * The file name for a certificate named {@code cn}: {@code *.example.com} becomes {@code wildcard.example.com},
     * anything but letters, digits, '.', '-' and '_' becomes '_', so that a CN can never escape the output dir.
     */
    static String fileStem(String cn) {
        String stem = cn.startsWith("*.") ? "wildcard" + cn.substring(1) : cn;
        stem = stem.replaceAll("[^A-Za-z0-9._-]", "_");
        if (stem.isEmpty() || stem.startsWith(".")) {
            stem = "_" + stem;
        }
        return stem;
    }

    /** {@code --name}: a plain file name, no directory part. */
    static String checkedStem(String name) {
        if (name.isEmpty() || !name.matches("[A-Za-z0-9._-]+") || name.startsWith(".")) {
            throw new IllegalArgumentException("--name: " + name
                    + " (expected: a file name of letters, digits, '.', '-', '_', not starting with '.')");
        }
        return name;
    }
}
