package io.mtlsproxy.config;

import java.util.List;

/**
 * The value of a header rule, parsed at load: literal text and {@code %{...}} variables that the data path fills in
 * per request from the verified client identity or the request ID. A variable with no value (no certificate was
 * presented) leaves the header out.
 */
public record HeaderValue(String text, List<Part> parts) {
    public HeaderValue {
        parts = List.copyOf(parts);
    }

    /** True when the value is the same for every request: it can be set without looking at the request. */
    public boolean constant() {
        return parts.stream().allMatch(p -> p instanceof Literal);
    }

    /** One piece of a value. */
    public sealed interface Part permits Literal, Variable {}

    public record Literal(String text) implements Part {}

    public record Variable(HeaderVariable name) implements Part {}
}
