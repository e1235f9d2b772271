package io.mtlsproxy.admin.cli;

import io.mtlsproxy.admin.app.ProxyApp;
import io.mtlsproxy.config.ConfigError;
import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.core.reload.Reloader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = "Runs the proxy until SIGTERM/SIGINT (graceful drain); reloads on SIGHUP; "
                + "reopens the access log file on SIGUSR1.",
        footer = {
            "",
            "Admin endpoint: plain HTTP on the configuration's admin.bind:admin.port (default 127.0.0.1:9901):"
                    + " /healthz, /readyz, /metrics, /certs, /tls/failures, POST /reload.",
            "",
            ExitCodes.HELP + " Exit 0 also after a drain on SIGTERM/SIGINT.",
            "",
            "Environment: MTLS_PROXY_JAVA_OPTS adds JVM options after conf/jvm.options (bin/mtls-proxy),"
                    + " e.g. MTLS_PROXY_JAVA_OPTS=\"-Xms1g -Xmx1g\".",
            "Logging: on stderr; --log-level LEVEL, or conf/logback.xml (-Dmtlsproxy.log.level=LEVEL)."
        })
public final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "the main HOCON file")
    Path config;

    @Override
    public Integer call() throws Exception {
        // The handlers come first: a SIGTERM, a SIGHUP (systemctl reload) or a SIGUSR1 (logrotate) that lands
        // while the proxy starts would otherwise end it with the JVM's default action (exit 143, 129, 138).
        // One that arrives before the proxy runs is kept and acted on as soon as it does.
        AtomicReference<ProxyApp> running = new AtomicReference<>();
        WhenRunning stop = new WhenRunning(running, app -> {
            LOG.info("stop signal: draining");
            app.shutdown();
        });
        WhenRunning reload = new WhenRunning(running, app -> app.requestReload(Reloader.Trigger.SIGNAL));
        WhenRunning reopen = new WhenRunning(running, ProxyApp::reopenAccessLog);
        Signals.onStop(stop);
        Signals.onHangup(reload);
        Signals.onUser1(reopen);
        ProxyApp app;
        try {
            app = ProxyApp.start(config);
        } catch (ConfigException e) {
            for (ConfigError error : e.errors()) {
                System.err.println(error);
            }
            return ExitCodes.USAGE;
        }
        running.set(app);
        stop.runPending();
        reload.runPending();
        reopen.runPending();
        app.awaitStop();
        LOG.info("stopped");
        return 0;
    }

    /**
     * A signal's action on the proxy. A signal that arrives before the proxy runs is kept, and {@link #runPending}
     * acts on it once {@code running} is set. The handler marks the request before it looks for the proxy, and the
     * start sets the proxy before it looks for a request, so one of the two sees both; getAndSet runs it once.
     */
    private static final class WhenRunning implements Runnable {
        private final AtomicReference<ProxyApp> running;
        private final Consumer<ProxyApp> action;
        private final AtomicBoolean pending = new AtomicBoolean();

        WhenRunning(AtomicReference<ProxyApp> running, Consumer<ProxyApp> action) {
            this.running = running;
            this.action = action;
        }

        /** The signal handler. */
        @Override
        public void run() {
            pending.set(true);
            runPending();
        }

        void runPending() {
            ProxyApp app = running.get();
            if (app != null && pending.getAndSet(false)) {
                action.accept(app);
            }
        }
    }
}
