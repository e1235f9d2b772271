package io.mtlsproxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A throwaway configuration directory: {@code mtls-proxy.conf}, {@code routes.d/} and empty placeholder files
 * under {@code pki/} (proxy-config checks that files exist; their contents are core's business).
 */
final class ConfigFixture {
    static final List<String> PKI_FILES = List.of(
            "server.crt",
            "server.key",
            "other.crt",
            "other.key",
            "clients-ca.crt",
            "crl.pem",
            "origin-ca.crt",
            "client.crt",
            "client.key",
            "proxy.p12");

    private final Path dir;
    private Map<String, String> env = Map.of();

    ConfigFixture(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir.resolve("pki"));
            for (String f : PKI_FILES) {
                Files.writeString(dir.resolve("pki").resolve(f), "");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path dir() {
        return dir;
    }

    Path main() {
        return dir.resolve("mtls-proxy.conf");
    }

    ConfigFixture env(Map<String, String> env) {
        this.env = env;
        return this;
    }

    Path write(String relative, String text) {
        try {
            Path p = dir.resolve(relative);
            Files.createDirectories(p.getParent());
            Files.writeString(p, text);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ProxyConfig load(String mainText) throws ConfigException {
        write("mtls-proxy.conf", mainText);
        return ConfigLoader.load(main(), env);
    }

    /** Loads a configuration that must fail, and returns its errors. */
    List<ConfigError> errors(String mainText) {
        write("mtls-proxy.conf", mainText);
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(main(), env))
                .errors();
    }

    /** The 1-based line of the first line of {@code text} that contains {@code marker}. */
    static int line(String text, String marker) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(marker)) {
                return i + 1;
            }
        }
        throw new AssertionError("marker not in text: " + marker);
    }

    /** Asserts that one error has exactly this file, line and key, and a message containing {@code fragment}. */
    static ConfigError assertError(List<ConfigError> errors, Path file, int line, String key, String fragment) {
        for (ConfigError e : errors) {
            if (e.source().file().equals(file.toString())
                    && e.source().line() == line
                    && e.key().equals(key)
                    && e.message().contains(fragment)) {
                return e;
            }
        }
        fail("no error " + file + ":" + line + ": " + key + ": ..." + fragment + "... among:\n" + render(errors));
        return null;
    }

    static void assertCount(int expected, List<ConfigError> errors) {
        assertEquals(expected, errors.size(), () -> "errors:\n" + render(errors));
    }

    static String render(List<ConfigError> errors) {
        return errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n"));
    }
}
