package io.mtlsproxy.config;

import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Typed reads of a child key: numbers, booleans, durations, sizes and enums. Each reports a wrong or
 * out-of-range value with what was expected and returns the default, so the load goes on.
 */
final class Scalars {
    /** A duration written without a unit: HOCON would read milliseconds, which nobody means by {@code 30}. */
    private static final Pattern UNITLESS = Pattern.compile("\\s*[0-9.]+\\s*");

    private Scalars() {}

    static int integer(Node parent, String key, int defaultValue, int min, int max) {
        return parent.child(key).map(n -> integer(n, defaultValue, min, max)).orElse(defaultValue);
    }

    static Optional<Integer> requiredInteger(Node parent, String key, int min, int max) {
        if (!parent.has(key)) {
            parent.missing(key, "a number " + range(min, max));
            return Optional.empty();
        }
        return Optional.of(integer(parent, key, min, min, max));
    }

    private static int integer(Node n, int defaultValue, int min, int max) {
        ConfigValueType type = n.type();
        if (type == null) {
            return defaultValue;
        }
        Long parsed = null;
        if (type == ConfigValueType.NUMBER) {
            Number number = (Number) n.value().unwrapped();
            if (number.doubleValue() == Math.rint(number.doubleValue())) {
                parsed = number.longValue();
            }
        } else if (type == ConfigValueType.STRING) {
            // Environment substitutions are strings: "8443" is a number here, as HOCON's getInt would take it.
            try {
                parsed = Long.parseLong(((String) n.value().unwrapped()).trim());
            } catch (NumberFormatException e) {
                parsed = null;
            }
        }
        if (parsed == null) {
            n.error(n.describe() + " (expected: a number " + range(min, max) + ")");
            return defaultValue;
        }
        if (parsed < min || parsed > max) {
            n.error(parsed + " (expected: " + range(min, max) + ")");
            return defaultValue;
        }
        return parsed.intValue();
    }

    private static String range(long min, long max) {
        return max == Integer.MAX_VALUE ? "of at least " + min : min + ".." + max;
    }

    static boolean bool(Node parent, String key, boolean defaultValue) {
        return parent.child(key)
                .map(n -> {
                    if (n.type() == null) {
                        return defaultValue;
                    }
                    try {
                        return n.value().atKey("v").getBoolean("v");
                    } catch (com.typesafe.config.ConfigException e) {
                        n.error(n.describe() + " (expected: true or false)");
                        return defaultValue;
                    }
                })
                .orElse(defaultValue);
    }

    /** A duration with a HOCON unit ({@code 500ms}, {@code 30s}, {@code 7d}), at least {@code min}. */
    static Duration duration(Node parent, String key, Duration defaultValue, Duration min) {
        return parent.child(key).map(n -> duration(n, defaultValue, min)).orElse(defaultValue);
    }

    static Duration duration(Node n, Duration defaultValue, Duration min) {
        ConfigValueType type = n.type();
        if (type == null) {
            return defaultValue;
        }
        String expected =
                "(expected: a duration with a unit, e.g. 500ms, 30s, 5m, 7d, of at least " + format(min) + ")";
        String text = type == ConfigValueType.STRING || type == ConfigValueType.NUMBER ? n.string() : "";
        if (UNITLESS.matcher(text).matches() && !isZero(text)) {
            n.error(n.describe() + " " + expected);
            return defaultValue;
        }
        Duration d;
        try {
            d = n.value().atKey("v").getDuration("v");
        } catch (com.typesafe.config.ConfigException e) {
            n.error(n.describe() + " " + expected);
            return defaultValue;
        }
        if (d.compareTo(min) < 0) {
            n.error(n.string() + " (expected: at least " + format(min) + ")");
            return defaultValue;
        }
        return d;
    }

    private static boolean isZero(String text) {
        try {
            return Double.parseDouble(text.trim()) == 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        if (d.toMillis() % 1000 != 0) {
            return d.toMillis() + "ms";
        }
        long s = d.toSeconds();
        if (s % 86400 == 0) {
            return s / 86400 + "d";
        }
        if (s % 3600 == 0) {
            return s / 3600 + "h";
        }
        return s % 60 == 0 ? s / 60 + "m" : s + "s";
    }

    /** A size in bytes with an optional HOCON unit ({@code 16k} = 16384, {@code 10m} = 10 MiB), at least 1. */
    static long size(Node parent, String key, long defaultValue) {
        return parent.child(key)
                .map(n -> {
                    if (n.type() == null) {
                        return defaultValue;
                    }
                    long bytes;
                    try {
                        bytes = n.value().atKey("v").getBytes("v");
                    } catch (com.typesafe.config.ConfigException e) {
                        n.error(n.describe() + " (expected: a size such as 16k, 10m or 8192)");
                        return defaultValue;
                    }
                    if (bytes <= 0) {
                        n.error(n.string() + " (expected: a size greater than 0)");
                        return defaultValue;
                    }
                    return bytes;
                })
                .orElse(defaultValue);
    }

    /** An enum written lower-case with dashes: {@code report-only} is {@code REPORT_ONLY}. */
    static <E extends Enum<E>> E enumValue(Node parent, String key, Class<E> type, E defaultValue) {
        return parent.child(key).flatMap(n -> enumValue(n, type)).orElse(defaultValue);
    }

    static <E extends Enum<E>> Optional<E> requiredEnum(Node parent, String key, Class<E> type) {
        if (!parent.has(key)) {
            parent.missing(key, "one of " + String.join(", ", names(type)));
            return Optional.empty();
        }
        return parent.child(key).flatMap(n -> enumValue(n, type));
    }

    private static <E extends Enum<E>> Optional<E> enumValue(Node n, Class<E> type) {
        Optional<String> text = n.asText();
        if (text.isEmpty()) {
            return Optional.empty();
        }
        for (E constant : type.getEnumConstants()) {
            if (configName(constant).equals(text.get().trim().toLowerCase(Locale.ROOT))) {
                return Optional.of(constant);
            }
        }
        List<String> names = names(type);
        n.error(n.describe() + " (expected: one of " + String.join(", ", names) + ")"
                + DidYouMean.hint(text.get(), names));
        return Optional.empty();
    }

    static String configName(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static <E extends Enum<E>> List<String> names(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(Scalars::configName).toList();
    }
}
