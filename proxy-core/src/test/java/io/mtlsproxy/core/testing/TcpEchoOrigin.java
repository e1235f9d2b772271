package io.mtlsproxy.core.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * A TCP origin that reads up to a newline or until the client has finished sending (EOF), then answers
 * {@code echo:<what it read>} and closes. Answering only after EOF makes a test of half-close meaningful: the answer
 * reaches the client only if the proxy kept the way back open after the client shut its sending side. Plain, TLS or mTLS (a JDK server socket;
 * {@code context} null for plain).
 */
public final class TcpEchoOrigin implements AutoCloseable {
    private final ServerSocket server;
    private final LinkedBlockingQueue<String> requests = new LinkedBlockingQueue<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "tcp-echo-origin");
        t.setDaemon(true);
        return t;
    });

    public TcpEchoOrigin(SSLContext context, boolean needClientAuth) throws IOException {
        if (context == null) {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } else {
            SSLServerSocket s = (SSLServerSocket)
                    context.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
            s.setNeedClientAuth(needClientAuth);
            server = s;
        }
        threads.execute(this::accept);
    }

    public int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                threads.execute(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    /**
     * What the next connection read before answering, followed by {@code <EOF>} when it was the end of the
     * client's stream rather than a newline; waits up to 10 s.
     */
    public String awaitRequest() throws InterruptedException {
        String r = requests.poll(10, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("the origin read no request within 10 s");
        }
        return r;
    }

    private void serve(Socket s) {
        try (s) {
            s.setSoTimeout(20_000);
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) >= 0) {
                got.write(c);
                if (c == '\n') {
                    break;
                }
            }
            requests.add(got.toString(StandardCharsets.US_ASCII) + (c < 0 ? "<EOF>" : ""));
            OutputStream out = s.getOutputStream();
            out.write("echo:".getBytes(StandardCharsets.US_ASCII));
            out.write(got.toByteArray());
            out.flush();
        } catch (IOException e) {
            // the test sees the missing answer
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
