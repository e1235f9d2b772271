package io.mtlsproxy.config;

import java.util.Optional;

/** A failure after which a request may be tried again. */
public enum RetryOn {
    /** the connect or the origin's TLS handshake failed: nothing of the request was sent */
    CONNECT_FAILURE("connect-failure"),
    /** the origin closed or reset the connection before a response head */
    RESET("reset"),
    /** the origin answered 502 */
    STATUS_502("502"),
    /** the origin answered 503 */
    STATUS_503("503"),
    /** the origin answered 504, or per-try-timeout passed without a response head */
    STATUS_504("504");

    private final String configName;

    RetryOn(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    /** The condition for an origin's status code, if it is one. */
    public static Optional<RetryOn> ofStatus(int status) {
        return switch (status) {
            case 502 -> Optional.of(STATUS_502);
            case 503 -> Optional.of(STATUS_503);
            case 504 -> Optional.of(STATUS_504);
            default -> Optional.empty();
        };
    }

    static Optional<RetryOn> parse(String text) {
        for (RetryOn r : values()) {
            if (r.configName.equals(text.trim())) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
