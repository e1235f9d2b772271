package io.mtlsproxy.core.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;

/**
 * An origin in a process of its own, so that a test can kill it with -9 and the kernel, not Java, closes its
 * sockets. {@code GET /big} answers 64 MiB slowly (64 KiB every 10 ms: mid-response for seconds), anything else a
 * few bytes; keep-alive. Run by {@link #start(int)}; its {@code main} prints the port once it listens.
 */
public final class ProcessOrigin implements AutoCloseable {
    public static final long BIG = 64L << 20;

    private final Process process;
    private final int port;

    private ProcessOrigin(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts one on {@code port} (0: any free one) and waits until it listens. */
    public static ProcessOrigin start(int port) throws IOException {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(
                        java,
                        "-Xmx64m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        ProcessOrigin.class.getName(),
                        Integer.toString(port))
                .redirectErrorStream(true)
                .start();
        String line =
                new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        if (line == null || !line.startsWith("listening ")) {
            p.destroyForcibly();
            throw new IOException("the origin process did not start: " + line);
        }
        return new ProcessOrigin(
                p, Integer.parseInt(line.substring("listening ".length()).trim()));
    }

    public int port() {
        return port;
    }

    /** SIGKILL, and waits until the process is gone. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        kill9();
    }

    public static void main(String[] args) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args[0])));
        System.out.println("listening " + server.getLocalPort());
        System.out.flush();
        while (true) {
            Socket s = server.accept();
            Thread t = new Thread(() -> serve(s));
            t.setDaemon(true);
            t.start();
        }
    }

    private static void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            StringBuilder head = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0) {
                head.append((char) b);
                if (head.toString().endsWith("\r\n\r\n")) {
                    boolean big = head.toString().startsWith("GET /big");
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + (big ? BIG : 3) + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    if (big) {
                        byte[] chunk = new byte[64 * 1024];
                        for (long sent = 0; sent < BIG; sent += chunk.length) {
                            out.write(chunk);
                            Thread.sleep(10);
                        }
                    } else {
                        out.write("ok\n".getBytes(StandardCharsets.US_ASCII));
                    }
                    out.flush();
                    head.setLength(0);
                }
            }
        } catch (IOException | InterruptedException e) {
            // the client went away
        }
    }
}
