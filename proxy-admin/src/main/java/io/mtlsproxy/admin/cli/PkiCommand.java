package io.mtlsproxy.admin.cli;

import picocli.CommandLine.Command;

@Command(name = "pki", mixinStandardHelpOptions = true,
        description = "Makes and inspects certificates: init-ca, issue, revoke, renew, inspect.")
public final class PkiCommand implements Runnable {
    @Override
    public void run() {
        System.err.println("mtls-proxy pki: not yet implemented");
    }
}
