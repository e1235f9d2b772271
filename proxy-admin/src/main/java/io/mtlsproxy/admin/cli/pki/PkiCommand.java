package io.mtlsproxy.admin.cli.pki;

import io.mtlsproxy.admin.cli.ExitCodes;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code pki}: the small CA of the project (see docs/pki.md). Without a subcommand, prints usage, exit 2. */
@Command(
        name = "pki",
        mixinStandardHelpOptions = true,
        description = "Makes and inspects certificates: init-ca, issue, revoke, renew, inspect.",
        subcommands = {
            InitCaCommand.class,
            IssueCommand.class,
            RevokeCommand.class,
            RenewCommand.class,
            InspectCommand.class
        })
public final class PkiCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }
}
