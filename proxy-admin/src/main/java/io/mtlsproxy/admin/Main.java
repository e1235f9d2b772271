package io.mtlsproxy.admin;

import io.mtlsproxy.admin.cli.CheckConfigCommand;
import io.mtlsproxy.admin.cli.DemoCommand;
import io.mtlsproxy.admin.cli.PkiCommand;
import io.mtlsproxy.admin.cli.RenewCommand;
import io.mtlsproxy.admin.cli.RunCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code mtls-proxy}: the one entry point of the jar and of {@code bin/mtls-proxy}. */
@Command(name = "mtls-proxy", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A reverse proxy that terminates TLS or mutual TLS and opens plain, TLS or mTLS "
                + "connections to origins.",
        subcommands = {RunCommand.class, CheckConfigCommand.class, RenewCommand.class, DemoCommand.class,
                PkiCommand.class})
public final class Main implements Runnable {
    /** Exit code of a usage or configuration problem; 1 is never used for one. */
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code (tests call this instead of main). */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // A bad argument gets one line and exit 2, never a stack trace.
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("mtls-proxy: " + ex.getMessage() + " (see: "
                    + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            if (ex instanceof UsageException) {
                c.getErr().println("mtls-proxy: " + ex.getMessage());
                return EXIT_USAGE;
            }
            // an I/O failure (a port in use, an unwritable log) says what and where in its message; anything else
            // keeps its class name, since its message alone may be empty or cryptic
            boolean io = ex instanceof java.io.IOException || ex instanceof java.io.UncheckedIOException;
            c.getErr().println("mtls-proxy: " + (io && ex.getMessage() != null ? ex.getMessage() : ex));
            return 1;
        });
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** A problem with what the user asked for: printed as one line, exit 2. */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"mtls-proxy " + (v == null ? "dev" : v)};
        }
    }
}
