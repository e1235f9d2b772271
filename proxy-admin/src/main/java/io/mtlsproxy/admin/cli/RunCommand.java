package io.mtlsproxy.admin.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;

@Command(name = "run", mixinStandardHelpOptions = true, description = "Runs the proxy until SIGTERM/SIGINT (graceful drain); reloads on SIGHUP.")
public final class RunCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("mtls-proxy run: not yet implemented");
        return 1;
    }
}
