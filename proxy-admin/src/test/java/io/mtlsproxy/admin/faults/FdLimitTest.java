package io.mtlsproxy.admin.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.mtlsproxy.admin.testing.ProxyProcess;
import io.mtlsproxy.core.testing.RawHttpClient;
import io.mtlsproxy.core.testing.TestOrigin;

/**
 * The proxy runs out of file descriptors: it is started with {@code ulimit -n 256} and more idle connections are
 * opened than it has descriptors left. It does not crash and does not spin (Netty stops accepting for a second
 * after an accept fails with EMFILE, rather than retrying in a loop: measured as the process's CPU time while it
 * is out), a connection it accepted before goes on being served, and once the idle connections are gone, new
 * connections are served again.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FdLimitTest {
    private static final Pattern BOUND = Pattern.compile("listener edge bound on /127\\.0\\.0\\.1:(\\d+)");
    private static final int FD_LIMIT = 256;

    @TempDir
    Path dir;
    private ProxyProcess proxy;
    private TestOrigin origin;
    private final List<Socket> idle = new ArrayList<>();

    @AfterEach
    void tearDown() throws IOException {
        closeIdle();
        if (proxy != null) {
            proxy.close();
        }
        if (origin != null) {
            origin.close();
        }
    }

    @Test
    void outOfDescriptorsItNeitherCrashesNorSpinsAndRecovers() throws Exception {
        origin = TestOrigin.plain("origin");
        Path conf = dir.resolve("proxy.conf");
        Files.writeString(conf, """
                admin { bind = "127.0.0.1", port = 0 }
                reload { watch = false }
                access-log = "off"
                listeners = [{ name = edge, bind = "127.0.0.1", port = 0
                               limits { request-header-timeout = 60 s, idle-timeout = 60 s } }]
                routes = [{ name = main, listener = edge, match.path-prefix = "/",
                            upstream.endpoints = ["127.0.0.1:%d"] }]
                """.formatted(origin.port()));
        proxy = ProxyProcess.start(conf, "ulimit -n " + FD_LIMIT, "-Xmx256m");
        int port = Integer.parseInt(proxy.await(BOUND).group(1));

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

    private void closeIdle() throws IOException {
        for (Socket s : idle) {
            s.close();
        }
        idle.clear();
    }
}
