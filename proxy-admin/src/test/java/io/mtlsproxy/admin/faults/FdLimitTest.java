package io.mtlsproxy.admin.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.core.testing.RawHttpClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The proxy runs out of file descriptors: it is started with {@code ulimit -n 256} and more idle connections are
 * opened than it has descriptors left. It does not crash and does not spin (Netty stops accepting for a second
 * after an accept fails with EMFILE, rather than retrying in a loop: measured as the process's CPU time while it
 * is out), a connection it accepted before goes on being served, and once the idle connections are gone, new
 * connections are served again.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FdLimitTest extends LimitedProxy {
    private static final int FD_LIMIT = 256;

    private final List<Socket> idle = new ArrayList<>();

    @Test
    void outOfDescriptorsItNeitherCrashesNorSpinsAndRecovers() throws Exception {
        int port = start("ulimit -n " + FD_LIMIT, "-Xmx256m");

        try (RawHttpClient before = RawHttpClient.connect(port)) {
            assertEquals(200, before.get("localhost", "/before").status());
            int free = FD_LIMIT - proxy.openFds();
            for (int i = 0; i < free + 50; i++) { // past the limit: the last ones wait in the listen backlog
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                idle.add(s);
            }
            proxy.await(Pattern.compile("Too many open files"));
            assertTrue(proxy.openFds() >= FD_LIMIT - 5, "the proxy is out of descriptors: " + proxy.openFds());

            long cpuBefore = proxy.cpuMillis();
            Thread.sleep(3000);
            long cpu = proxy.cpuMillis() - cpuBefore;
            assertTrue(cpu < 1500, "no busy loop while out of descriptors: " + cpu + " ms of CPU in 3 s");
            assertTrue(proxy.process().isAlive(), proxy.output());

            assertEquals(200, before.get("localhost", "/during").status(), "an accepted connection is served");
        }

        closeIdle();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        int status = -1;
        while (status != 200 && System.nanoTime() < deadline) {
            try (RawHttpClient after = RawHttpClient.connect(port)) {
                status = after.timeout(2000).get("localhost", "/after").status();
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        assertEquals(200, status, "new connections are served again: " + proxy.output());
        assertTrue(proxy.process().isAlive());
    }

    @Override
    void closeIdle() throws IOException {
        for (Socket s : idle) {
            s.close();
        }
        idle.clear();
    }
}
