package io.mtlsproxy.config;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;

/**
 * The component values of a record, for code that walks configuration records generically ({@link SameMeaning},
 * the file digests of a reload). A reload walks ten thousand routes: the accessors of each record class are looked
 * up and made accessible once, not at every visit ({@code getRecordComponents} copies and re-resolves them).
 */
public final class RecordParts {
    private static final ClassValue<List<Method>> ACCESSORS = new ClassValue<>() {
        @Override
        protected List<Method> computeValue(Class<?> type) {
            List<Method> accessors = new ArrayList<>();
            for (RecordComponent c : type.getRecordComponents()) {
                Method accessor = c.getAccessor();
                accessor.setAccessible(true); // package-private records of this module
                accessors.add(accessor);
            }
            return List.copyOf(accessors);
        }
    };

    private RecordParts() {}

    /** The number of components of {@code record}'s class. */
    public static int count(Record record) {
        return ACCESSORS.get(record.getClass()).size();
    }

    /** The value of the {@code index}-th component of {@code record}, in declaration order. */
    public static Object value(Record record, int index) {
        Method accessor = ACCESSORS.get(record.getClass()).get(index);
        try {
            return accessor.invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException(
                    "cannot read " + accessor.getName() + " of "
                            + record.getClass().getName(),
                    e);
        }
    }
}
