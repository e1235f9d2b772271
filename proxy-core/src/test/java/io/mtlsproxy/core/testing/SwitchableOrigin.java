package io.mtlsproxy.core.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * An origin whose behaviour a test changes while it runs: {@code /healthz} answers 200 or 503 as
 * {@link #healthy} says; every other request is counted and answered {@link #status} (200 by default) with the
 * origin's name after {@link #delayMillis}. Plain, or mTLS requiring a client certificate of {@code clientCa}.
 * A thread per request: slow answers do not hold each other up.
 */
public final class SwitchableOrigin implements AutoCloseable {
    private final String name;
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "switchable-origin");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger healthChecks = new AtomicInteger();
    private volatile boolean healthy = true;
    private volatile int status = 200;
    private volatile long delayMillis;

    private SwitchableOrigin(String name, HttpServer server) {
        this.name = name;
        this.server = server;
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    public static SwitchableOrigin plain(String name) throws IOException {
        return new SwitchableOrigin(name, HttpServer.create(loopback(), 64));
    }

    /** Serves {@code cert} and requires a client certificate issued by {@code clientCa}. */
    public static SwitchableOrigin mtls(String name, TestPki.Leaf cert, Path clientCa) throws IOException {
        HttpsServer https = HttpsServer.create(loopback(), 64);
        SSLContext context = TestTls.client(clientCa, cert); // a key manager serves as well as it presents
        https.setHttpsConfigurator(new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                var p = context.getDefaultSSLParameters();
                p.setNeedClientAuth(true);
                params.setSSLParameters(p);
            }
        });
        return new SwitchableOrigin(name, https);
    }

    private static InetSocketAddress loopback() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            x.getRequestBody().readAllBytes();
            if (x.getRequestURI().getPath().equals("/healthz")) {
                healthChecks.incrementAndGet();
                answer(x, healthy ? 200 : 503, healthy ? "ok" : "failing");
                return;
            }
            requests.incrementAndGet();
            long delay = delayMillis;
            if (delay > 0) {
                try {
                    TimeUnit.MILLISECONDS.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            answer(x, status, name);
        }
    }

    private static void answer(HttpExchange x, int code, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String name() {
        return name;
    }

    /** Requests other than health checks. */
    public int requests() {
        return requests.get();
    }

    public int healthChecks() {
        return healthChecks.get();
    }

    public SwitchableOrigin healthy(boolean healthy) {
        this.healthy = healthy;
        return this;
    }

    public SwitchableOrigin status(int status) {
        this.status = status;
        return this;
    }

    public SwitchableOrigin delayMillis(long delayMillis) {
        this.delayMillis = delayMillis;
        return this;
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
