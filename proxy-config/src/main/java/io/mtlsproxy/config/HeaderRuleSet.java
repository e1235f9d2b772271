package io.mtlsproxy.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header rules of one direction (request or response) of a route: {@code set} replaces every value of a
 * header, {@code add} adds one more, {@code remove} drops the header. Names are kept as written; they compare
 * case-insensitively. Applied in the order remove, set, add.
 */
public record HeaderRuleSet(Map<String, HeaderValue> set, Map<String, HeaderValue> add, List<String> remove) {
    public static final HeaderRuleSet NONE = new HeaderRuleSet(Map.of(), Map.of(), List.of());

    public HeaderRuleSet {
        set = Collections.unmodifiableMap(new LinkedHashMap<>(set));
        add = Collections.unmodifiableMap(new LinkedHashMap<>(add));
        remove = List.copyOf(remove);
    }

    public boolean isEmpty() {
        return set.isEmpty() && add.isEmpty() && remove.isEmpty();
    }
}
