package io.mtlsproxy.bench.load;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code bench/scale}'s idle clients, one process per share: a process may hold no more descriptors than the
 * hard open-file limit, so a count larger than that limit is split over several of these.
 *
 * <pre>java -cp mtls-bench.jar io.mtlsproxy.bench.load.IdleHold PORT COUNT SERVER_NAME CA CERT KEY HOLD_FILE</pre>
 *
 * Opens COUNT mTLS connections (TLS 1.3) to 127.0.0.1:PORT with {@link IdleConnections}, prints one line
 * {@code IDLE established=N requested=N errors=...}, holds them while HOLD_FILE exists, then prints
 * {@code HELD still_open=N} and closes them.
 */
public final class IdleHold {
    private IdleHold() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 7) {
            System.err.println("usage: IdleHold PORT COUNT SERVER_NAME CA CERT KEY HOLD_FILE");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        int count = Integer.parseInt(args[1]);
        Path hold = Path.of(args[6]);
        var identity = new ClientTls.Identity(Path.of(args[4]), Path.of(args[5]));
        var tls = ClientTls.create("TLSv1.3", Path.of(args[3]), Optional.of(identity));
        // One loop: the proxy or nginx on the other side of loopback is what is measured, not this process.
        try (LoadGenerator loader = new LoadGenerator(1);
                IdleConnections idle =
                        IdleConnections.open(loader, port, args[2], Optional.of(tls), count, Duration.ofSeconds(60))) {
            System.out.println("IDLE established=" + idle.established() + " requested=" + idle.requested() + " errors="
                    + idle.errors().describe() + " last_error=" + idle.lastError());
            while (Files.exists(hold)) {
                Thread.sleep(200);
            }
            System.out.println("HELD still_open=" + idle.stillOpen());
        }
    }
}
