package io.mtlsproxy.config;

/** {@code clients}: how many distinct client certificates GET /clients keeps, the least recently seen dropped first. */
public record ClientsConfig(int maxTracked) {
    public static final ClientsConfig DEFAULT = new ClientsConfig(10_000);
    /** about 500 bytes an entry: a million is half a gigabyte, more than any heap this proxy is given should hold */
    public static final int MAX_TRACKED_LIMIT = 1_000_000;

    public ClientsConfig {
        if (maxTracked < 1 || maxTracked > MAX_TRACKED_LIMIT) {
            throw new IllegalArgumentException(
                    "maxTracked: " + maxTracked + " (expected: 1.." + MAX_TRACKED_LIMIT + ")");
        }
    }
}
