package io.mtlsproxy.config;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A value of the configuration tree with its key path ({@code listeners[0].tls}) and its source (file and line
 * of its key). Readers navigate nodes; every problem they meet goes to the shared {@link Problems}, named by
 * key path and line, and the reader carries on with a default.
 *
 * <p>Key paths: object keys joined by dots, list positions in brackets ({@code routes[2].upstream.tls.key}).
 * Inside a route file the position is within that file.
 */
final class Node {
    private final HoconDocument document;
    private final Problems problems;
    private final String path;
    private final ConfigValue value;
    /** The same value before substitution, for the line its key was written on; may be null. */
    private final ConfigValue raw;

    private final Source source;
    /** An unresolvable substitution is reported once, however often its value is asked for. */
    private boolean unresolvedReported;

    private Node(
            HoconDocument document,
            Problems problems,
            String path,
            ConfigValue value,
            ConfigValue raw,
            Source fallback) {
        this.document = document;
        this.problems = problems;
        this.path = path;
        this.value = value;
        this.raw = raw;
        this.source = sourceOf(raw, value, fallback);
    }

    static Node root(HoconDocument document, Problems problems) {
        return new Node(
                document,
                problems,
                "",
                document.resolved(),
                document.raw(),
                new Source(document.file().toString(), 1));
    }

    String path() {
        return path;
    }

    Source source() {
        return source;
    }

    Problems problems() {
        return problems;
    }

    /** The key path of a child key of this object. */
    String pathOf(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** Reports a problem with this node's own value. */
    void error(String message) {
        problems.add(source, path, message);
    }

    /** Reports a problem about a child key, at the child's line when present, else at this object's line. */
    void error(String key, String message) {
        Optional<Node> child = child(key);
        problems.add(child.map(Node::source).orElse(source), pathOf(key), message);
    }

    /** Reports a missing required key, at this object's line. */
    void missing(String key, String expected) {
        problems.add(source, pathOf(key), "missing (expected: " + expected + ")");
    }

    // ---- structure ------------------------------------------------------------------------------------------

    boolean has(String key) {
        return child(key).isPresent();
    }

    /** The child at {@code key}; empty when absent or {@code null}. */
    Optional<Node> child(String key) {
        if (!(value instanceof ConfigObject obj)) {
            return Optional.empty();
        }
        ConfigValue v = obj.get(key);
        if (v == null || isNull(v)) {
            return Optional.empty();
        }
        ConfigValue r = raw instanceof ConfigObject rawObj ? rawObj.get(key) : null;
        return Optional.of(new Node(document, problems, pathOf(key), v, r, source));
    }

    /** Reports every key of this object that is not one of {@code known}, with the nearest known key. */
    void allowOnly(String... known) {
        allowOnlyWithHint("", known);
    }

    void allowOnlyWithHint(String hint, String... known) {
        if (!(value instanceof ConfigObject obj)) {
            return;
        }
        Set<String> knownSet = Set.of(known);
        for (String key : obj.keySet().stream().sorted().toList()) {
            if (!knownSet.contains(key)) {
                String suggestion = DidYouMean.hint(key, Arrays.asList(known));
                String message = "unknown key" + (suggestion.isEmpty() ? hint : suggestion);
                Node child = new Node(
                        document,
                        problems,
                        pathOf(key),
                        obj.get(key),
                        raw instanceof ConfigObject r ? r.get(key) : null,
                        source);
                problems.add(child.source, child.path, message);
            }
        }
    }

    /** The object at {@code key}; reports a value of another type. */
    Optional<Node> object(String key) {
        return child(key).filter(c -> c.expect(ConfigValueType.OBJECT, "an object { ... }"));
    }

    /** The keys of this object, sorted (a map such as {@code issuers { NAME { ... } }}); empty for a non-object. */
    List<String> keys() {
        return value instanceof ConfigObject obj
                ? obj.keySet().stream().sorted().toList()
                : List.of();
    }

    /** The objects of the list at {@code key}; reports a non-list and every non-object element. */
    List<Node> objectList(String key) {
        Optional<Node> list = child(key).filter(c -> c.expect(ConfigValueType.LIST, "a list [{ ... }, ...]"));
        List<Node> out = new ArrayList<>();
        list.ifPresent(l -> l.elements().forEach(e -> {
            if (e.expect(ConfigValueType.OBJECT, "an object { ... }")) {
                out.add(e);
            }
        }));
        return out;
    }

    boolean isEmptyList(String key) {
        return child(key)
                .map(c -> c.value() instanceof ConfigList l && l.isEmpty())
                .orElse(false);
    }

    private List<Node> elements() {
        ConfigList list = (ConfigList) value;
        ConfigList rawList = raw instanceof ConfigList r && r.size() == list.size() ? r : null;
        List<Node> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            out.add(new Node(
                    document,
                    problems,
                    path + "[" + i + "]",
                    list.get(i),
                    rawList == null ? null : rawList.get(i),
                    source));
        }
        return out;
    }

    // ---- scalars ----------------------------------------------------------------------------------------------

    /** The string at {@code key}; numbers and booleans are taken as written, as HOCON does. */
    Optional<String> text(String key) {
        return child(key).flatMap(Node::asText);
    }

    String text(String key, String defaultValue) {
        return text(key).orElse(defaultValue);
    }

    /** The string at {@code key}, reported as missing when absent. */
    Optional<String> requiredText(String key, String expected) {
        if (!has(key)) {
            missing(key, expected);
            return Optional.empty();
        }
        return text(key);
    }

    Optional<String> asText() {
        ConfigValueType type = type();
        if (type == null) {
            return Optional.empty();
        }
        return switch (type) {
            case STRING -> Optional.of((String) value.unwrapped());
            case NUMBER, BOOLEAN -> Optional.of(value.render());
            default -> {
                error(describe() + " (expected: a string)");
                yield Optional.empty();
            }
        };
    }

    /** The strings of the list at {@code key} (absent: empty); reports a non-list and non-string elements. */
    List<Node> stringList(String key) {
        Optional<Node> list = child(key).filter(c -> c.expect(ConfigValueType.LIST, "a list of strings [\"...\"]"));
        List<Node> out = new ArrayList<>();
        list.ifPresent(l -> l.elements().forEach(e -> {
            if (e.type() != null && e.type() != ConfigValueType.OBJECT && e.type() != ConfigValueType.LIST) {
                out.add(e);
            } else if (e.type() != null) {
                e.error(e.describe() + " (expected: a string)");
            }
        }));
        return out;
    }

    /** This node's value as text; only for nodes returned by {@link #stringList}. */
    String string() {
        return type() == ConfigValueType.STRING ? (String) value.unwrapped() : value.render();
    }

    /** A file named at {@code key}, resolved against the directory of the file that names it. */
    Optional<FileRef> file(String key) {
        return child(key).flatMap(c -> c.asText().flatMap(c::fileRef));
    }

    private Optional<FileRef> fileRef(String text) {
        return fileSystemPath(text).map(named -> {
            Path resolved = named.isAbsolute() ? named : directoryOfSource().resolve(named);
            FileRef ref = new FileRef(resolved.normalize(), path, source);
            FileChecks.checkReadableFile(ref, problems);
            return ref;
        });
    }

    /**
     * {@code text} as a path, or an error on this node when no file system path can be made of it (a NUL
     * character, found by fuzzing: the JDK throws rather than answer).
     */
    Optional<Path> fileSystemPath(String text) {
        try {
            return Optional.of(Path.of(text));
        } catch (InvalidPathException e) {
            error(Syntax.quote(text) + ": not a valid path (" + e.getReason() + ")");
            return Optional.empty();
        }
    }

    /** The absolute directory of the file this node's key was written in. */
    Path directoryOfSource() {
        Path parent = Path.of(source.file()).toAbsolutePath().normalize().getParent();
        return parent != null ? parent : Path.of("").toAbsolutePath();
    }

    /** Renders this value for a message: strings quoted, numbers as written, containers by kind. */
    String describe() {
        ConfigValueType type = type();
        if (type == null) {
            return "an unresolved value";
        }
        return switch (type) {
            case OBJECT -> "an object";
            case LIST -> "a list";
            default -> value.render(ConfigRenderOptions.concise());
        };
    }

    ConfigValue value() {
        return value;
    }

    /**
     * The value's type, or null when it holds a substitution nothing defines ({@code ${VAR}} with VAR unset),
     * which is reported here, once, with the key.
     */
    ConfigValueType type() {
        try {
            return value.valueType();
        } catch (com.typesafe.config.ConfigException.NotResolved e) {
            if (!unresolvedReported) {
                unresolvedReported = true;
                String expr = value.render(ConfigRenderOptions.concise());
                error("cannot resolve " + expr + " (expected: a key of this file or a set environment variable;"
                        + " write ${?NAME} for an optional value)");
            }
            return null;
        }
    }

    private boolean expect(ConfigValueType expected, String description) {
        ConfigValueType type = type();
        if (type == null) {
            return false;
        }
        if (type != expected) {
            error(describe() + " (expected: " + description + ")");
            return false;
        }
        return true;
    }

    private static boolean isNull(ConfigValue v) {
        try {
            return v.valueType() == ConfigValueType.NULL;
        } catch (com.typesafe.config.ConfigException.NotResolved e) {
            return false;
        }
    }

    /**
     * The line a key was written on: the unresolved value's origin (so a substituted value points at its key,
     * not at the variable's definition), else the resolved one, else the enclosing object's.
     */
    private Source sourceOf(ConfigValue rawValue, ConfigValue resolvedValue, Source fallback) {
        for (ConfigValue v : new ConfigValue[] {rawValue, resolvedValue}) {
            if (v == null) {
                continue;
            }
            ConfigOrigin o = v.origin();
            if (o != null && o.lineNumber() > 0) {
                String file =
                        o.filename() != null ? o.filename() : document.file().toString();
                return new Source(file, o.lineNumber());
            }
        }
        return fallback;
    }
}
