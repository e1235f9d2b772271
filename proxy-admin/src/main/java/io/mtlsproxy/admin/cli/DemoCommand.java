package io.mtlsproxy.admin.cli;

import io.mtlsproxy.admin.demo.Demo;
import io.mtlsproxy.config.ConfigException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = "Runs the embedded default: a throwaway PKI, demo origins (plain, TLS, mTLS) and a proxy "
                + "over every inbound x outbound combination, with ready-to-paste curl commands.")
public final class DemoCommand implements Callable<Integer> {
    @Option(
            names = "--state-dir",
            paramLabel = "DIR",
            description = "where the PKI and demo.conf go (default: a new temporary directory)")
    Path stateDir;

    @Option(names = "--plain-port", defaultValue = "8080", description = "plain listener port (0: any free)")
    int plainPort;

    @Option(names = "--tls-port", defaultValue = "8443", description = "TLS listener port (0: any free)")
    int tlsPort;

    @Option(names = "--mtls-port", defaultValue = "9443", description = "mTLS listener port (0: any free)")
    int mtlsPort;

    @Option(names = "--admin-port", defaultValue = "9901", description = "admin endpoint port (0: any free)")
    int adminPort;

    @Spec
    CommandSpec spec;

    private PrintWriter err() {
        return spec.commandLine().getErr();
    }

    @Override
    public Integer call() throws Exception {
        Path dir = stateDir != null ? stateDir : Files.createTempDirectory("mtls-proxy-demo-");
        Demo demo;
        try {
            demo = Demo.start(dir, new Demo.Ports(plainPort, tlsPort, mtlsPort, adminPort));
        } catch (ConfigException e) {
            e.errors().forEach(err()::println);
            leave(dir);
            return ExitCodes.USAGE;
        } catch (java.io.IOException | RuntimeException e) { // a port in use: IOException, or the admin's
            err().println("mtls-proxy demo: " + e.getMessage()
                    + " (another program on that port? pick others with --plain-port/--tls-port/--mtls-port/"
                    + "--admin-port, or 0 for any free port)");
            leave(dir);
            return ExitCodes.USAGE;
        }
        System.out.println(demo.banner());
        System.out.flush();
        Signals.onStop(demo::shutdown);
        demo.app().awaitStop();
        return 0;
    }

    /**
     * After a failed start: a temporary directory holds nothing worth keeping but private keys, so it goes; a
     * --state-dir stays, and the message says where it is.
     */
    private void leave(Path dir) {
        if (stateDir != null) {
            err().println("mtls-proxy demo: the PKI and demo.conf stay in " + dir);
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
            err().println("mtls-proxy demo: removed " + dir + " (its throwaway PKI)");
        } catch (java.io.IOException e) {
            err().println("mtls-proxy demo: could not remove " + dir + ", which holds private keys: " + e.getMessage());
        }
    }
}
