package io.mtlsproxy.admin.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import io.mtlsproxy.admin.Main;
import io.mtlsproxy.admin.demo.Demo;
import io.mtlsproxy.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Runs the embedded default: a throwaway PKI, demo origins (plain, TLS, mTLS) and a proxy "
                + "over every inbound x outbound combination, with ready-to-paste curl commands.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--state-dir", paramLabel = "DIR",
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

    @Override
    public Integer call() throws Exception {
        Path dir = stateDir != null ? stateDir : Files.createTempDirectory("mtls-proxy-demo-");
        Demo demo;
        try {
            demo = Demo.start(dir, new Demo.Ports(plainPort, tlsPort, mtlsPort, adminPort));
        } catch (ConfigException e) {
            e.errors().forEach(System.err::println);
            return Main.EXIT_USAGE;
        } catch (java.io.IOException e) {
            System.err.println("mtls-proxy demo: " + e.getMessage()
                    + " (another program on that port? pick others with --plain-port/--tls-port/--mtls-port/"
                    + "--admin-port, or 0 for any free port)");
            return Main.EXIT_USAGE;
        }
        System.out.println(demo.banner());
        System.out.flush();
        Signals.onStop(demo::shutdown);
        demo.app().awaitStop();
        return 0;
    }
}
