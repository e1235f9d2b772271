package io.mtlsproxy.admin.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mtlsproxy.admin.Main;
import io.mtlsproxy.admin.ProxyApp;
import io.mtlsproxy.config.ConfigError;
import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.core.reload.Reloader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Runs the proxy until SIGTERM/SIGINT (graceful drain); reloads on SIGHUP; "
                + "reopens the access log file on SIGUSR1.")
public final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "the main HOCON file")
    Path config;

    @Override
    public Integer call() throws Exception {
        ProxyApp app;
        try {
            app = ProxyApp.start(config);
        } catch (ConfigException e) {
            for (ConfigError error : e.errors()) {
                System.err.println(error);
            }
            return Main.EXIT_USAGE;
        }
        Signals.onStop(() -> {
            LOG.info("stop signal: draining");
            app.shutdown();
        });
        Signals.onHangup(() -> app.requestReload(Reloader.Trigger.SIGNAL));
        Signals.onUser1(app::reopenAccessLog);
        app.awaitStop();
        LOG.info("stopped");
        return 0;
    }
}
