package io.mtlsproxy.admin.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.admin.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;

/**
 * Runs {@code mtls-proxy} command lines in-process, as {@link Main#execute} does, with stdout and stderr
 * captured (the command line {@link Main#commandLine()} builds, writing into buffers instead of the console).
 */
public final class Cli {
    private Cli() {}

    public record Result(int exit, String out, String err) {
        public List<String> errLines() {
            return err.isEmpty() ? List.of() : Arrays.asList(err.split("\n"));
        }
    }

    public static Result run(Object... args) {
        String[] argv = Arrays.stream(args).map(String::valueOf).toArray(String[]::new);
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(argv);
        return new Result(exit, out.toString(), err.toString());
    }

    /** Runs and expects exit 0 and nothing on stderr. */
    public static Result ok(Object... args) {
        Result r = run(args);
        assertEquals(0, r.exit(), () -> "exit of " + Arrays.toString(args) + ": " + r.err());
        assertEquals("", r.err(), "stderr");
        return r;
    }

    /** Runs and expects exit 2 with exactly one line on stderr that contains {@code expected}, no stack trace. */
    public static Result usageError(String expected, Object... args) {
        Result r = run(args);
        assertEquals(2, r.exit(), () -> "exit of " + Arrays.toString(args) + ": " + r.out() + r.err());
        assertEquals(1, r.errLines().size(), () -> "one line on stderr, got: " + r.err());
        String line = r.errLines().get(0);
        assertTrue(line.startsWith("mtls-proxy: "), line);
        assertTrue(line.contains(expected), () -> "expected '" + expected + "' in: " + line);
        assertFalse(line.contains("Exception"), line);
        return r;
    }
}
