package io.mtlsproxy.admin.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * Keeps requests flowing while a test changes the proxy underneath: {@code keepAlive} clients that each reuse one
 * connection, and {@code fresh} clients that make a new connection (a new TLS handshake) for every request. Every
 * answer that is not 200, and every exception, is a failure, kept with its reason.
 */
public final class RequestLoad implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong ok = new AtomicLong();
    private final Queue<String> failures = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();

    /**
     * @param uri        what every client GETs
     * @param tls        the client's TLS (null for plain HTTP)
     * @param onResponse sees every 200 body (a test collects serials from it)
     */
    public RequestLoad(URI uri, SSLContext tls, int keepAlive, int fresh, Consumer<String> onResponse) {
        for (int i = 0; i < keepAlive; i++) {
            HttpClient client = client(tls);
            threads.add(start("keep-alive-" + i, () -> client, uri, onResponse, 5));
        }
        for (int i = 0; i < fresh; i++) {
            threads.add(start("fresh-" + i, () -> client(tls), uri, onResponse, 50));
        }
    }

    private static HttpClient client(SSLContext tls) {
        HttpClient.Builder b =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5));
        if (tls != null) {
            b.sslContext(tls);
        }
        return b.build();
    }

    private Thread start(
            String name, Supplier<HttpClient> clients, URI uri, Consumer<String> onResponse, long pauseMillis) {
        Thread t = new Thread(
                () -> {
                    while (running.get()) {
                        HttpClient client = clients.get();
                        try {
                            HttpResponse<String> r = client.send(
                                    HttpRequest.newBuilder(uri)
                                            .timeout(Duration.ofSeconds(10))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 200) {
                                ok.incrementAndGet();
                                onResponse.accept(r.body());
                            } else {
                                failures.add(r.statusCode() + " " + r.body().strip());
                            }
                            Thread.sleep(pauseMillis);
                        } catch (InterruptedException e) {
                            return;
                        } catch (Exception e) {
                            failures.add(e.toString());
                        }
                    }
                },
                "load-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    public long succeeded() {
        return ok.get();
    }

    public List<String> failures() {
        return List.copyOf(failures);
    }

    /** Stops every client after its request in flight. */
    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(15_000);
        }
    }
}
