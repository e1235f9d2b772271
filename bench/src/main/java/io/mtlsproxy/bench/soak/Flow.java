package io.mtlsproxy.bench.soak;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/**
 * One kind of traffic in the soak's mix: what each of its {@code connections} sends (method, path, upload size),
 * what every answer must be (exactly {@code expectedText}, or {@code expectedBytes} long), whether each request
 * gets a new connection and full handshake, and the pause before a connection's next request. {@code faulty}
 * marks the route whose second endpoint the soak stops: only there are some failures expected.
 */
public record Flow(
        String name,
        String method,
        String path,
        int uploadBytes,
        String expectedText,
        long expectedBytes,
        boolean newConnection,
        String protocol,
        int connections,
        Duration pause,
        boolean faulty) {
    public static final int LARGE = 256 * 1024;

    public Flow {
        requireNonNull(name, "name");
        requireNonNull(method, "method");
        requireNonNull(path, "path");
        requireNonNull(protocol, "protocol");
        requireNonNull(pause, "pause");
        if (connections < 1) {
            throw new IllegalArgumentException(name + ": connections " + connections + " (expected: at least 1)");
        }
        if (expectedText == null && expectedBytes < 0) {
            throw new IllegalArgumentException(name + ": expected an answer text or length");
        }
    }

    /**
     * The default mix over the soak's one mTLS listener. {@code intensity} divides every pause (2 = about twice
     * the request rate). Keep-alive connections live for the whole soak (the server's certificate, the CA's CRL
     * and the routes change under them); new-connection flows make a full handshake per request, so they meet
     * every rotated server certificate and every re-signed CRL. The uploads go to the mTLS route, whose client
     * certificate is renewed under them: a POST is never retried by the proxy, so a pooled origin connection
     * retired at the wrong moment would show as an error there.
     */
    public static List<Flow> defaults(double intensity) {
        if (!(intensity > 0)) {
            throw new IllegalArgumentException("intensity: " + intensity + " (expected: > 0)");
        }
        return List.of(
                get("keepalive-tls", "/tls/small", 4, ms(25, intensity)),
                get("keepalive-mtls", "/mtls/small", 4, ms(25, intensity)),
                new Flow(
                        "newconn-tls13",
                        "GET",
                        "/mtls/small",
                        0,
                        SoakOrigin.SMALL_BODY,
                        -1,
                        true,
                        "TLSv1.3",
                        2,
                        ms(100, intensity),
                        false),
                new Flow(
                        "newconn-tls12",
                        "GET",
                        "/tls/small",
                        0,
                        SoakOrigin.SMALL_BODY,
                        -1,
                        true,
                        "TLSv1.2",
                        1,
                        ms(100, intensity),
                        false),
                new Flow(
                        "download-256k",
                        "GET",
                        "/tls/bytes/" + LARGE,
                        0,
                        null,
                        LARGE,
                        false,
                        "TLSv1.3",
                        1,
                        ms(250, intensity),
                        false),
                new Flow(
                        "upload-256k",
                        "POST",
                        "/mtls/upload",
                        LARGE,
                        Integer.toString(LARGE),
                        -1,
                        false,
                        "TLSv1.3",
                        1,
                        ms(250, intensity),
                        false),
                new Flow(
                        "faulty-get",
                        "GET",
                        "/faulty/small",
                        0,
                        SoakOrigin.SMALL_BODY,
                        -1,
                        false,
                        "TLSv1.3",
                        2,
                        ms(25, intensity),
                        true),
                new Flow(
                        "faulty-post",
                        "POST",
                        "/faulty/upload",
                        1024,
                        "1024",
                        -1,
                        false,
                        "TLSv1.3",
                        1,
                        ms(50, intensity),
                        true));
    }

    /** {@code POST /tls/upload (256 KiB), keep-alive, TLSv1.3, 1 connection, 250 ms apart}. */
    public String describe() {
        return method + " " + path + (uploadBytes > 0 ? " (" + size(uploadBytes) + ")" : "") + ", "
                + (newConnection ? "new connection per request" : "keep-alive") + ", " + protocol + ", "
                + connections + (connections == 1 ? " connection" : " connections") + ", " + pause.toMillis()
                + " ms apart";
    }

    private static String size(int bytes) {
        return bytes % 1024 == 0 ? bytes / 1024 + " KiB" : bytes + " B";
    }

    private static Flow get(String name, String path, int connections, Duration pause) {
        return new Flow(name, "GET", path, 0, SoakOrigin.SMALL_BODY, -1, false, "TLSv1.3", connections, pause, false);
    }

    private static Duration ms(long millis, double intensity) {
        return Duration.ofMillis(Math.max(1, Math.round(millis / intensity)));
    }
}
