package io.mtlsproxy.admin.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;

@Command(name = "demo", mixinStandardHelpOptions = true, description = "Runs the embedded default: throwaway PKI, demo origins, a proxy over every inbound x outbound combination.")
public final class DemoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("mtls-proxy demo: not yet implemented");
        return 1;
    }
}
