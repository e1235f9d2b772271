package io.mtlsproxy.core.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An origin that misbehaves in one precise way, on plain blocking sockets so that the test controls every byte and
 * the moment of a reset (SO_LINGER 0 turns a close into a TCP RST).
 */
public final class FaultyOrigin implements AutoCloseable {
    public enum Fault {
        /** Answers the head of a 100 000-byte response and 1 000 bytes of it, then resets. */
        RESET_MID_RESPONSE,
        /** Reads the head and 64 KiB of the request body, then resets without answering. */
        RESET_MID_REQUEST_BODY,
        /** Reads the request, head and body, until the proxy has sent nothing for 300 ms, then resets unanswered. */
        RESET_AFTER_REQUEST,
        /** Accepts the connection and never says a word (a TLS handshake that hangs, a response that never comes). */
        SILENT,
        /** Answers the head of a 1 000-byte response and 10 bytes of it, then stalls. */
        STALL_MID_RESPONSE,
        /** Accepts the connection and never reads a byte of it (its receive buffer fills, then the proxy's writes stall). */
        NEVER_READS
    }

    private final Fault fault;
    private final ServerSocket server;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final Thread acceptor;

    private FaultyOrigin(Fault fault) throws IOException {
        this.fault = fault;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "faulty-origin-" + fault);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public static FaultyOrigin start(Fault fault) {
        try {
            return new FaultyOrigin(fault);
        } catch (IOException e) {
            throw new IllegalStateException("faulty origin did not start", e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    public int accepted() {
        return accepted.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                accepted.incrementAndGet();
                open.add(s);
                Thread t = new Thread(() -> serve(s), "faulty-origin-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket s) {
        try {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            if (fault == Fault.NEVER_READS) {
                return; // the socket stays open, unread, until close()
            }
            if (fault == Fault.SILENT) {
                in.transferTo(OutputStream.nullOutputStream()); // read until the proxy gives up
                return;
            }
            readHead(in);
            switch (fault) {
                case RESET_MID_RESPONSE -> {
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.write(new byte[1000]);
                    out.flush();
                    reset(s);
                }
                case RESET_MID_REQUEST_BODY -> {
                    in.readNBytes(64 * 1024);
                    reset(s);
                }
                case RESET_AFTER_REQUEST -> {
                    s.setSoTimeout(300);
                    try {
                        in.transferTo(OutputStream.nullOutputStream());
                    } catch (SocketTimeoutException quiet) {
                        // the whole request is in: the proxy waits for an answer
                    }
                    reset(s);
                }
                case STALL_MID_RESPONSE -> {
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789"
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    in.transferTo(OutputStream.nullOutputStream());
                }
                default -> throw new IllegalStateException(fault.name());
            }
        } catch (IOException ignored) {
            // the proxy went away: fine
        }
    }

    private static void reset(Socket s) throws IOException {
        s.setSoLinger(true, 0);
        s.close();
    }

    private static void readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            byte[] h = head.toByteArray();
            int n = h.length;
            if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                return;
            }
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
