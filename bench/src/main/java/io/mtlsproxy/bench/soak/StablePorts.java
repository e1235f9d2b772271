package io.mtlsproxy.bench.soak;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A loopback port below the kernel's ephemeral range, for a listener that must come back on the same port after
 * it was closed. An ephemeral port could meanwhile become the local port of some outgoing connection (the proxy
 * opens many), and the restart would then fail to bind.
 */
final class StablePorts {
    private StablePorts() {}

    static int belowEphemeralRange() {
        int low = ephemeralLow();
        int from = Math.max(10_000, low - 12_000);
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(from, low);
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                s.setReuseAddress(true);
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no free loopback port in " + from + ".." + (low - 1));
    }

    private static int ephemeralLow() {
        try {
            // readAllLines, not readString: /proc files report size 0, and readString then stops short.
            String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                    .get(0)
                    .trim();
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768; // Linux's default
        }
    }
}
