package io.mtlsproxy.admin.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/** Calls to an admin endpoint on loopback, with timeouts: plain HTTP, or HTTPS with a client certificate. */
public final class AdminClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http;
    private final String base;
    private final String bearer;

    public AdminClient(int port) {
        this(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), "http://127.0.0.1:" + port, null);
    }

    private AdminClient(HttpClient http, String base, String bearer) {
        this.http = http;
        this.base = base;
        this.bearer = bearer;
    }

    /** HTTPS to 127.0.0.1 with this client TLS (trust, and the client certificate if any). */
    public static AdminClient https(int port, SSLContext tls) {
        return new AdminClient(
                HttpClient.newBuilder()
                        .connectTimeout(Duration.ofSeconds(5))
                        .sslContext(tls)
                        .build(),
                "https://127.0.0.1:" + port,
                null);
    }

    /** The same client, sending {@code Authorization: Bearer TOKEN}. */
    public AdminClient bearer(String token) {
        return new AdminClient(http, base, token);
    }

    public HttpResponse<String> get(String path) {
        return send("GET", path);
    }

    public HttpResponse<String> post(String path) {
        return send("POST", path);
    }

    /** A POST that may take long (POST /renew waits for the issuer). */
    public HttpResponse<String> post(String path, Duration timeout) {
        return send("POST", path, timeout);
    }

    public HttpResponse<String> send(String method, String path) {
        return send(method, path, Duration.ofSeconds(10));
    }

    private HttpResponse<String> send(String method, String path, Duration timeout) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(timeout)
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
