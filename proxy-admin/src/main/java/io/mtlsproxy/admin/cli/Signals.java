package io.mtlsproxy.admin.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM/SIGINT, SIGHUP and SIGUSR1 for a long-running command. The JVM's default for TERM runs shutdown hooks and
 * exits 143; a proxy must instead drain and exit 0, so the handlers replace the default and run the action on
 * their own thread (never the signal dispatcher's, which must return quickly).
 */
final class Signals {
    private static final Logger LOG = LoggerFactory.getLogger(Signals.class);

    private Signals() {}

    static void onStop(Runnable action) {
        Runnable once = new Runnable() {
            private boolean ran;

            @Override
            public synchronized void run() {
                if (!ran) {
                    ran = true;
                    action.run();
                }
            }
        };
        handle("TERM", once);
        handle("INT", once);
    }

    static void onHangup(Runnable action) {
        handle("HUP", action);
    }

    /** SIGUSR1: reopen log files, as nginx and Envoy do (logrotate's postrotate sends it). */
    static void onUser1(Runnable action) {
        handle("USR1", action);
    }

    private static void handle(String signal, Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> {
                Thread t = new Thread(action, "signal-" + signal.toLowerCase(java.util.Locale.ROOT));
                t.start();
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            LOG.warn("cannot handle SIG{} here: {}", signal, e.getMessage());
        }
    }
}
