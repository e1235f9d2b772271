package io.mtlsproxy.admin.cli;

import io.mtlsproxy.admin.app.ProxyApp;
import io.mtlsproxy.config.ConfigLoader;
import io.mtlsproxy.config.ProxyConfig;
import io.mtlsproxy.core.ProxyServer;
import io.mtlsproxy.core.renew.Issuers;
import io.mtlsproxy.core.renew.RenewalPass;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code renew --config FILE [--owner NAME] [--dry-run] [--force]}: one renewal pass without a running proxy,
 * for cron and for trying a configuration's issuers before deploying it. ACME challenges are answered by the
 * configuration's own listeners, started for the pass (so run it where the proxy is not running, or use
 * {@code POST /renew} on a running one). Exit 0: all renewed or nothing due; 1: a renewal failed; 2: a
 * configuration problem.
 */
@Command(
        name = "renew",
        mixinStandardHelpOptions = true,
        description = {
            "Renews every certificate with a renew block that is due, once, and exits.",
            "Exit 0: all renewed or nothing due; 1: a renewal failed; 2: a configuration problem.",
            "On a running proxy use POST /renew on its admin endpoint instead."
        })
public final class RenewCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The main configuration file.")
    Path config;

    @Option(names = "--owner", paramLabel = "NAME", description = "Only the certificates of this listener or route.")
    String owner;

    @Option(names = "--dry-run", description = "Ask the issuer and check the chain, but write nothing.")
    boolean dryRun;

    @Option(names = "--force", description = "Renew even what is not due yet.")
    boolean force;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ProxyConfig loaded = ConfigLoader.load(config); // a ConfigException: Main prints its errors, exit 2
        Optional<String> only = Optional.ofNullable(owner);
        if (RenewalPass.targets(loaded, only).isEmpty()) {
            err.println("mtls-proxy renew: no certificate with a renew block" + (owner == null ? "" : " for " + owner)
                    + " in " + config);
            err.flush();
            return ExitCodes.USAGE;
        }
        List<RenewalPass.Line> lines;
        if (RenewalPass.needsAcme(loaded, only)) {
            try (ProxyServer proxy = ProxyServer.builder().build()) {
                proxy.start(loaded); // its listeners answer the ACME server's validation
                lines = RenewalPass.run(loaded, ProxyApp.issuers(proxy), only, force, dryRun);
            }
        } else {
            lines = RenewalPass.run(loaded, Issuers.withoutAcme(), only, force, dryRun);
        }
        for (RenewalPass.Line l : lines) {
            (l.failed() ? err : out)
                    .println(l.result() + ": " + l.usage() + " " + l.owner() + " (issuer " + l.issuer() + "): "
                            + l.detail());
        }
        out.flush();
        err.flush();
        return lines.stream().anyMatch(RenewalPass.Line::failed) ? 1 : 0;
    }
}
