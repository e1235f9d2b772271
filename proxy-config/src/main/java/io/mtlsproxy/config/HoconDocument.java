package io.mtlsproxy.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * One parsed HOCON file: the resolved tree (what the readers use) and the unresolved one (whose origins give the
 * line of a key even when its value came from a substitution).
 *
 * <p>Substitutions resolve as HOCON does — against the file itself, then against the environment — but the
 * environment is an explicit map, so tests need not touch the process's. Unresolvable substitutions are left in
 * place and reported by the reader that meets them, with their key, instead of stopping at the first one.
 */
record HoconDocument(Path file, ConfigObject resolved, ConfigObject raw) {
    static final String SYNTAX_KEY = "(syntax)";
    static final String FILE_KEY = "(file)";

    Node root(Problems problems) {
        return Node.root(this, problems);
    }

    /** Parses and resolves {@code file}; on failure reports why and returns empty. */
    static Optional<HoconDocument> parseFile(Path file, Map<String, String> env, Problems problems) {
        Source whole = new Source(file.toString(), 0);
        if (!Files.exists(file)) {
            problems.add(
                    whole,
                    FILE_KEY,
                    "no such file (looked for " + file.toAbsolutePath().normalize() + ")");
            return Optional.empty();
        }
        if (!Files.isRegularFile(file)) {
            problems.add(whole, FILE_KEY, "not a regular file (expected: a HOCON file)");
            return Optional.empty();
        }
        if (!Files.isReadable(file)) {
            problems.add(whole, FILE_KEY, "cannot be read (permission denied)");
            return Optional.empty();
        }
        try {
            Config raw = ConfigFactory.parseFile(file.toFile(), options());
            return resolve(file, null, raw, env, problems);
        } catch (com.typesafe.config.ConfigException e) {
            report(file, null, e, problems);
            return Optional.empty();
        }
    }

    /** Parses HOCON text as if it were {@code pretendFile} (relative paths resolve against its directory). */
    static Optional<HoconDocument> parseString(
            String hocon, Path pretendFile, Map<String, String> env, Problems problems) {
        try {
            Config raw = ConfigFactory.parseString(hocon, options().setOriginDescription(pretendFile.toString()));
            return resolve(pretendFile, hocon, raw, env, problems);
        } catch (com.typesafe.config.ConfigException e) {
            report(pretendFile, hocon, e, problems);
            return Optional.empty();
        }
    }

    private static ConfigParseOptions options() {
        return ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false);
    }

    /** @param text the document's text, or null to read it from {@code file} should an error need it */
    private static Optional<HoconDocument> resolve(
            Path file, String text, Config raw, Map<String, String> env, Problems problems) {
        if (raw.isResolved()) { // no ${...} at all (most route files): resolving would walk the tree for nothing
            return Optional.of(new HoconDocument(file, raw.root(), raw.root()));
        }
        // Keys, not paths: an environment variable's name is never split at dots.
        Config environment = ConfigValueFactory.fromMap(Map.copyOf(env), "environment variables")
                .toConfig();
        ConfigResolveOptions opts =
                ConfigResolveOptions.defaults().setUseSystemEnvironment(false).setAllowUnresolved(true);
        try {
            Config resolved = raw.resolveWith(raw.withFallback(environment), opts);
            return Optional.of(new HoconDocument(file, resolved.root(), raw.root()));
        } catch (com.typesafe.config.ConfigException e) {
            report(file, text, e, problems);
            return Optional.empty();
        }
    }

    /**
     * A parse or resolve failure as {@code FILE:LINE: (syntax): message}, without Typesafe's prefix. The library
     * gives up on some substitutions without saying where (found by fuzzing: a key defined both by a substitution
     * and by an object, each merging with the other, ends in "replace in parent not possible" and a dump of its
     * internals): that is reported at the first line with a substitution, in words an operator can act on.
     */
    private static void report(Path file, String text, com.typesafe.config.ConfigException e, Problems problems) {
        ConfigOrigin origin = e.origin();
        int line = origin != null && origin.lineNumber() > 0 ? origin.lineNumber() : 0;
        String name = origin != null && origin.filename() != null ? origin.filename() : file.toString();
        String message = e.getMessage();
        if (origin != null && message.startsWith(origin.description() + ": ")) {
            message = message.substring(origin.description().length() + 2);
        }
        int dump = message.indexOf(" in ResolveSource(");
        boolean overrideInList = dump >= 0 && message.startsWith("replace in parent not possible");
        if (overrideInList) {
            // Typesafe's internal error prints the whole document, every environment variable (secrets) included
            message = "a key set twice with a ${?VAR} override inside a list element (Typesafe Config cannot"
                    + " resolve that; use ${VAR}, or set the key once)";
        } else if (dump >= 0) {
            message = message.substring(0, dump);
        }
        if (line == 0) {
            line = firstSubstitutionLine(file, text);
            if (!overrideInList) {
                message = "cannot resolve the substitutions (${...}) of this file: look for a value that refers to"
                        + " itself through an object merged with it";
            }
        }
        problems.add(new Source(name, line), SYNTAX_KEY, message);
    }

    /** The first line of {@code text} (or the file, when null) that holds a {@code ${}; 1 when none is found. */
    private static int firstSubstitutionLine(Path file, String text) {
        if (text == null) {
            try {
                text = Files.readString(file);
            } catch (IOException | RuntimeException e) {
                return 1;
            }
        }
        int at = text.indexOf("${");
        return at < 0
                ? 1
                : (int) text.substring(0, at).chars().filter(c -> c == '\n').count() + 1;
    }
}
