package io.mtlsproxy.core.tls;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.netty.internal.tcnative.Buffer;
import io.netty.internal.tcnative.SSL;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Sends the TLS 1.3 session tickets of a client connection that stays quiet after its handshake.
 * <p>
 * BoringSSL does not send a server's NewSessionTicket messages when the handshake ends: it queues them and sends them
 * with the server's first write, so that a client that never reads cannot stall the handshake on a full socket
 * buffer. An HTTP server writes only after a request, so on a connection that waits for its first request the queue
 * stays: two tickets, each an encrypted copy of the session with the client's certificate in it, about 1.7 KB of
 * native memory per idle mTLS connection, the largest single allocation such a connection holds. A client that sends
 * its request at once still gets them with the response, for nothing. One that is still quiet a second after its
 * handshake gets them then, with a zero-byte write (what BoringSSL's documentation asks of servers that do not write),
 * and the memory is freed. That is when OpenSSL servers such as nginx and HAProxy send them anyway: at the end of the
 * handshake. Nothing waits on the client: the bytes go to the channel's outbound buffer like any other write.
 * <p>
 * BoringSSL hands the queued records to the engine's buffer for data written outside a wrap, which holds only
 * {@link TlsSettings#HANDSHAKE_SPILL_BYTES}: each round moves what fits, and the SslHandler's flush takes it out.
 */
public final class DeferredTickets implements Runnable, ChannelFutureListener {
    /** how long a connection must stay quiet after its handshake before its tickets are sent on their own */
    static final long QUIET_MILLIS = 1000;

    /** enough rounds for a ticket flight many times the size of today's, with a large client chain in each ticket */
    private static final int MAX_ROUNDS = 64;

    private final Channel channel;
    private final ReferenceCountedOpenSslEngine engine;
    private ScheduledFuture<?> timer;

    private DeferredTickets(Channel channel, ReferenceCountedOpenSslEngine engine) {
        this.channel = channel;
        this.engine = engine;
    }

    /** Called once, when a client connection's handshake has succeeded (on its event loop). */
    public static void afterHandshake(Channel channel, SslHandler ssl) {
        if (!(ssl.engine() instanceof ReferenceCountedOpenSslEngine engine)
                || !"TLSv1.3".equals(engine.getSession().getProtocol())) {
            return; // the JDK's engine, and TLS 1.2, send their tickets inside the handshake
        }
        DeferredTickets send = new DeferredTickets(channel, engine);
        send.timer = channel.eventLoop().schedule(send, QUIET_MILLIS, TimeUnit.MILLISECONDS);
        // a connection that closes first leaves nothing behind in the loop's timer queue
        channel.closeFuture().addListener(send);
    }

    @Override
    public void operationComplete(ChannelFuture closed) {
        timer.cancel(false);
    }

    @Override
    public void run() {
        channel.closeFuture().removeListener(this); // an idle connection keeps no trace of this
        if (channel.isActive()) {
            send();
        }
    }

    private void send() {
        for (int round = 0; round < MAX_ROUNDS; round++) {
            boolean more;
            synchronized (engine) { // the engine's own lock: it guards the SSL pointer against a concurrent free
                long ssl = engine.sslPointer();
                if (ssl == 0) {
                    return; // freed: the connection is closing
                }
                int written = SSL.writeToSSL(ssl, Nothing.ADDRESS, 0);
                // a full buffer is the only reason to go on; 0 means everything queued was handed over (or nothing
                // was queued: the first response already took the tickets)
                more = written < 0 && SSL.getError(ssl, written) == SSL.SSL_ERROR_WANT_WRITE;
            }
            channel.flush(); // through the SslHandler, which wraps what BoringSSL wrote and sends it
            if (!more || !channel.isActive()) {
                return;
            }
        }
    }

    /** SSL_write wants a valid address even for zero bytes; nothing is ever read from it. Made at first use: the
     * native library is loaded by then (a JDK engine never gets here). */
    private static final class Nothing {
        static final long ADDRESS = Buffer.address(ByteBuffer.allocateDirect(1));
    }
}
