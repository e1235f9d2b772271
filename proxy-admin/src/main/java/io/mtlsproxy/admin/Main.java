package io.mtlsproxy.admin;

import io.mtlsproxy.admin.build.BuildInfo;
import io.mtlsproxy.admin.cli.CheckConfigCommand;
import io.mtlsproxy.admin.cli.DemoCommand;
import io.mtlsproxy.admin.cli.ExitCodes;
import io.mtlsproxy.admin.cli.LogLevel;
import io.mtlsproxy.admin.cli.RenewCommand;
import io.mtlsproxy.admin.cli.RunCommand;
import io.mtlsproxy.admin.cli.UsageException;
import io.mtlsproxy.admin.cli.pki.PkiCommand;
import io.mtlsproxy.config.ConfigException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code mtls-proxy}: the one entry point of the jar and of {@code bin/mtls-proxy}. Without a command it prints its
 * usage on stderr and exits 2, as for any other usage error; {@code help [COMMAND]} and {@code --help} exit 0.
 */
@Command(
        name = "mtls-proxy",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "A reverse proxy that terminates TLS or mutual TLS and opens plain, TLS or mTLS "
                + "connections to origins.",
        subcommands = {
            RunCommand.class,
            CheckConfigCommand.class,
            RenewCommand.class,
            DemoCommand.class,
            PkiCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = {
            "",
            ExitCodes.HELP,
            "",
            "Environment: MTLS_PROXY_JAVA_OPTS adds JVM options after conf/jvm.options (bin/mtls-proxy).",
            "Logging: --log-level LEVEL, or conf/logback.xml (-Dmtlsproxy.log.level=LEVEL)."
        })
public final class Main implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(
            names = "--log-level",
            paramLabel = "LEVEL",
            scope = CommandLine.ScopeType.INHERIT,
            description = "the log's level: ${COMPLETION-CANDIDATES} (default: INFO)")
    void logLevel(LogLevel level) {
        level.apply();
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code (tests call this instead of main). */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
        // A bad argument gets one line and exit 2, never a stack trace.
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine()
                    .getErr()
                    .println("mtls-proxy: " + ex.getMessage() + " (see: "
                            + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            if (ex instanceof ConfigException config) { // a configuration that does not load: every error
                config.errors().forEach(c.getErr()::println);
                c.getErr().flush();
                return ExitCodes.USAGE;
            }
            if (ex instanceof UsageException) {
                c.getErr().println("mtls-proxy: " + ex.getMessage());
                return ExitCodes.USAGE;
            }
            // an I/O failure (a port in use, an unwritable log) says what and where in its message; anything else
            // keeps its class name, since its message alone may be empty or cryptic
            boolean io = ex instanceof java.io.IOException || ex instanceof java.io.UncheckedIOException;
            c.getErr().println("mtls-proxy: " + (io && ex.getMessage() != null ? ex.getMessage() : ex));
            return 1;
        });
        return cl;
    }

    /** No command: a usage error. */
    @Override
    public Integer call() {
        spec.commandLine().getErr().println("mtls-proxy: a command is needed");
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return BuildInfo.current().versionLines().toArray(String[]::new);
        }
    }
}
