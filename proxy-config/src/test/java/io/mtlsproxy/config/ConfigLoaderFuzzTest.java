package io.mtlsproxy.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes the HOCON configuration loader with any text: it returns a configuration or throws a
 * {@link ConfigException} whose every error reads {@code FILE:LINE: key: message} with the file's name and a line
 * of the text; never another exception (a reload or {@code check-config} would print a stack trace instead of
 * telling the operator which line is wrong). The committed inputs are configurations from the docs' shapes and
 * broken ones; environment variables come from a fixed map, so a result never depends on the machine.
 */
class ConfigLoaderFuzzTest {
    /** JUnit's, so that it is deleted after the run (a directory of our own was left in /tmp by every run) */
    @TempDir
    static Path dir;

    private static Path file;

    private static final Map<String, String> ENV = Map.of("PORT", "8443", "CERT", "server.crt", "EMPTY", "");
    private static final Pattern ERROR = Pattern.compile("(?s)\\Q%s\\E:(\\d+): [^\\n]*: .*");

    @BeforeAll
    static void files() throws IOException {
        file = dir.resolve("proxy.conf");
        Files.createDirectories(dir.resolve("routes.d"));
        Files.writeString(dir.resolve("server.crt"), "not a certificate\n");
    }

    @FuzzTest
    void anyText(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        try {
            assertNotNull(ConfigLoader.parse(text, file, ENV));
        } catch (ConfigException e) {
            assertFalse(e.errors().isEmpty(), "an exception says what is wrong");
            long lines = text.lines().count() + 1;
            Pattern shape = Pattern.compile(String.format(ERROR.pattern(), file));
            for (ConfigError err : e.errors()) {
                var m = shape.matcher(err.toString());
                boolean elsewhere = !err.source().file().equals(file.toString()); // a routes.d file, a cert file
                assertTrue(elsewhere || m.matches(), "FILE:LINE: key: message, not: " + err);
                assertTrue(
                        elsewhere || err.source().line() >= 1 && err.source().line() <= lines,
                        "a line of the text (1.." + lines + "): " + err);
            }
        }
    }
}
