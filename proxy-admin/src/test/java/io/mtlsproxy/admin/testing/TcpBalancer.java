package io.mtlsproxy.admin.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network load balancer in miniature, as an AWS NLB or a Kubernetes Service behaves toward a rollout: a TCP
 * relay that sends each new connection to the next ready backend, and leaves established connections where they
 * are. A backend is ready once {@code /readyz} answers 200, and stops being ready after two failed checks in a row
 * (an NLB's unhealthy threshold; one slow answer on a busy machine is not a deregistration); checks run every
 * {@code checkMillis}. A connection that finds no
 * ready backend, or whose backend refuses it, is closed at once and counted as refused.
 */
public final class TcpBalancer implements AutoCloseable {
    /** A target: the proxy's listener port and its admin (health) port. */
    public record Backend(int port, int healthPort) {}

    private final List<Backend> backends;
    private final List<Backend> ready = new CopyOnWriteArrayList<>();
    private final java.util.Map<Backend, Integer> failedChecks = new java.util.concurrent.ConcurrentHashMap<>();
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "balancer");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger deregistrations = new AtomicInteger();
    private final int checkMillis;
    private volatile boolean closed;

    public TcpBalancer(List<Backend> backends, int checkMillis) throws IOException {
        this.backends = List.copyOf(backends);
        this.checkMillis = checkMillis;
        checkHealth();
        server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        threads.execute(this::healthLoop);
        threads.execute(this::acceptLoop);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Connections closed because no ready backend took them. */
    public int refused() {
        return refused.get();
    }

    /** How many times a backend went from ready to not ready. */
    public int deregistrations() {
        return deregistrations.get();
    }

    public List<Backend> ready() {
        return List.copyOf(ready);
    }

    private void healthLoop() {
        while (!closed) {
            checkHealth();
            try {
                Thread.sleep(checkMillis);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void checkHealth() {
        for (Backend b : backends) {
            boolean ok = readyz(b.healthPort()) == 200;
            int failed = ok ? 0 : failedChecks.merge(b, 1, Integer::sum);
            if (ok) {
                failedChecks.put(b, 0);
                if (!ready.contains(b)) {
                    ready.add(b);
                }
            } else if (failed >= 2 && ready.remove(b)) {
                deregistrations.incrementAndGet();
            }
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            threads.execute(() -> relay(client));
        }
    }

    private void relay(Socket client) {
        List<Backend> now = List.copyOf(ready);
        if (now.isEmpty()) {
            refuse(client);
            return;
        }
        Backend target = now.get(Math.floorMod(next.getAndIncrement(), now.size()));
        Socket backend = new Socket();
        try {
            backend.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target.port()), 2000);
        } catch (IOException e) {
            refuse(client);
            return;
        }
        AtomicInteger directionsDone = new AtomicInteger();
        threads.execute(() -> pump(backend, client, directionsDone));
        pump(client, backend, directionsDone);
    }

    private void refuse(Socket client) {
        refused.incrementAndGet();
        try {
            client.setSoLinger(true, 0); // a reset, as a refused connection looks to a client
            client.close();
        } catch (IOException ignored) {
            // closed anyway
        }
    }

    /**
     * Copies one direction; at its end passes the FIN on (half-close), as a TCP balancer does; the second
     * direction to end closes both sockets. A reset on either side closes both at once.
     */
    private static void pump(Socket from, Socket to, AtomicInteger directionsDone) {
        byte[] buf = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
            to.shutdownOutput();
            if (directionsDone.incrementAndGet() < 2) {
                return;
            }
        } catch (IOException e) {
            // reset or closed: end both directions
        }
        closeQuietly(from);
        closeQuietly(to);
    }

    private static void closeQuietly(java.io.Closeable s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    /** The status of GET /readyz on 127.0.0.1:port; -1 when nothing answers (the process is gone). */
    public static int readyz(int port) {
        try {
            HttpURLConnection c = (HttpURLConnection)
                    URI.create("http://127.0.0.1:" + port + "/readyz").toURL().openConnection();
            c.setConnectTimeout(1000);
            c.setReadTimeout(2000); // a cold JVM on a busy machine answers its first call slowly
            try {
                return c.getResponseCode();
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        threads.shutdownNow();
    }
}
