package io.mtlsproxy.core.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A blocking HTTP/1.1 client that writes exactly the bytes a test gives it (spoofed headers, malformed framing)
 * and parses the responses: Content-Length, chunked, or close-delimited bodies.
 */
public final class RawHttpClient implements Closeable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawHttpClient(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(10_000);
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = socket.getOutputStream();
    }

    public static RawHttpClient connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setTcpNoDelay(true);
        return new RawHttpClient(s);
    }

    /** TLS to 127.0.0.1:port sending {@code sni} (null: none); the handshake runs before this returns. */
    public static RawHttpClient connectTls(int port, SSLContext context, String sni) throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setTcpNoDelay(true);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        s.setSSLParameters(p);
        s.setSoTimeout(10_000);
        s.startHandshake();
        return new RawHttpClient(s);
    }

    /** The server's certificate of a TLS connection, null for plain. */
    public java.security.cert.X509Certificate serverCertificate() throws IOException {
        if (socket instanceof SSLSocket ssl) {
            return (java.security.cert.X509Certificate) ssl.getSession().getPeerCertificates()[0];
        }
        return null;
    }

    public RawHttpClient timeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
        return this;
    }

    public RawHttpClient send(String raw) throws IOException {
        return send(raw.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawHttpClient send(byte[] raw) throws IOException {
        out.write(raw);
        out.flush();
        return this;
    }

    public OutputStream output() {
        return out;
    }

    /** A GET with Host {@code host}; returns the final response. */
    public Response get(String host, String path) throws IOException {
        send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        return read();
    }

    public Response read() throws IOException {
        return read(false);
    }

    /** Reads one response (an interim 1xx too); {@code head}: the request was HEAD, so there is no body. */
    public Response read(boolean head) throws IOException {
        Response h = readHead();
        if (head || h.status() < 200 || h.status() == 204 || h.status() == 304) {
            return h;
        }
        return h.withBody(readAll(body(h)));
    }

    /** The status line and headers only; read the body with {@link #body(Response)}. */
    public Response readHead() throws IOException {
        String status = line();
        if (status == null) {
            throw new EOFException("connection closed before a response");
        }
        String[] parts = status.split(" ", 3);
        List<String[]> headers = new ArrayList<>();
        String l;
        while ((l = line()) != null && !l.isEmpty()) {
            int c = l.indexOf(':');
            headers.add(
                    new String[] {l.substring(0, c).trim(), l.substring(c + 1).trim()});
        }
        return new Response(Integer.parseInt(parts[1]), parts.length > 2 ? parts[2] : "", headers, new byte[0]);
    }

    /** The body of a response whose head was just read, as a stream that ends where the body ends. */
    public InputStream body(Response head) {
        String te = head.header("transfer-encoding");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            return new ChunkedStream();
        }
        String cl = head.header("content-length");
        if (cl != null) {
            return new BoundedStream(Long.parseLong(cl));
        }
        return in;
    }

    /** True when the peer closes (or resets) the connection within the socket timeout. */
    public boolean awaitClosed() {
        try {
            while (in.read() >= 0) {
                // discard until EOF
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private static byte[] readAll(InputStream s) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        s.transferTo(b);
        return b.toByteArray();
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        if (c < 0 && b.size() == 0) {
            return null;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private final class BoundedStream extends InputStream {
        private long left;

        BoundedStream(long length) {
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left == 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException(left + " body bytes missing");
            }
            left -= n;
            return n;
        }
    }

    private final class ChunkedStream extends InputStream {
        private long left;
        private boolean done;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (left == 0) {
                String size = line();
                if (size == null) {
                    throw new EOFException("chunked body cut off");
                }
                int semi = size.indexOf(';');
                left = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (left == 0) {
                    String trailer;
                    while ((trailer = line()) != null && !trailer.isEmpty()) {
                        // trailers are ignored
                    }
                    done = true;
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException("chunked body cut off");
            }
            left -= n;
            if (left == 0) {
                line(); // CRLF after the chunk
            }
            return n;
        }
    }

    /** A response: status, headers in order, body. */
    public record Response(int status, String reason, List<String[]> headers, byte[] body) {
        public String header(String name) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    return h[1];
                }
            }
            return null;
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        Response withBody(byte[] b) {
            return new Response(status, reason, headers, b);
        }

        @Override
        public String toString() {
            return status + " " + reason + " " + text();
        }
    }
}
