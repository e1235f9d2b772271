package io.mtlsproxy.core.forward;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.epoll.EpollSocketChannel;

/**
 * A client connection whose last answer is about to be written, and that closes right after it, is corked: the
 * answer, the TLS close_notify after it and the FIN leave together when the socket closes, in one segment where
 * they were three. Each segment on a loopback or LAN connection costs the sender its delivery (on loopback, the
 * receiver's whole TCP input path and wake-up); a connection that serves one request, as a client making a full
 * handshake per request does, paid that three times to close. Linux sends corked data at close and after 200 ms
 * at the latest, so nothing waits for more than the close. Only the epoll transport has TCP_CORK; elsewhere the
 * writes go out as before.
 */
final class LastAnswer {
    private LastAnswer() {}

    static void cork(Channel client) {
        if (client instanceof EpollSocketChannel socket) {
            try {
                socket.config().setTcpCork(true);
            } catch (ChannelException e) {
                // the socket is already gone: nothing is left to batch
            }
        }
    }
}
