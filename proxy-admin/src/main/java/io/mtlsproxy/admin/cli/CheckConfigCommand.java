package io.mtlsproxy.admin.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;

@Command(name = "check-config", mixinStandardHelpOptions = true, description = "Validates a configuration: exit 0, or every error as FILE:LINE: key: message and exit 2.")
public final class CheckConfigCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("mtls-proxy check-config: not yet implemented");
        return 1;
    }
}
