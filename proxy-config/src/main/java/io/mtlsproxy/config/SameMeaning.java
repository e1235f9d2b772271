package io.mtlsproxy.config;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Compares configuration values by what they say, not where they were written. Every record here carries the
 * {@link Source} of its key for error messages, so a comment added at the top of a file moves every line number
 * and makes every listener and route unequal by {@code equals}. A reload asks this instead: only a changed
 * setting may rebuild a route's origin pool or be reported as changed. Records are walked component by
 * component (a new component is compared without anyone remembering to add it here); lists, maps and optionals
 * element by element; a {@link Source} is equal to any other; everything else by {@code equals}.
 */
public final class SameMeaning {
    private SameMeaning() {}

    public static boolean test(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (a instanceof Source && b instanceof Source) {
            return true;
        }
        if (a instanceof Optional<?> oa && b instanceof Optional<?> ob) {
            return oa.isPresent() == ob.isPresent() && (oa.isEmpty() || test(oa.get(), ob.get()));
        }
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            return sameElements(la, lb);
        }
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            if (!ma.keySet().equals(mb.keySet())) {
                return false;
            }
            for (Map.Entry<?, ?> e : ma.entrySet()) {
                if (!test(e.getValue(), mb.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Record ra && a.getClass() == b.getClass()) {
            Record rb = (Record) b;
            for (int i = 0, n = RecordParts.count(ra); i < n; i++) {
                if (!test(RecordParts.value(ra, i), RecordParts.value(rb, i))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    private static boolean sameElements(List<?> a, List<?> b) {
        if (a.size() != b.size()) {
            return false;
        }
        Iterator<?> ib = b.iterator();
        for (Object x : a) {
            if (!test(x, ib.next())) {
                return false;
            }
        }
        return true;
    }
}
