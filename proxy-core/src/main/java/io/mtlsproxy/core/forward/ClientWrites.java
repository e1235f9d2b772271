package io.mtlsproxy.core.forward;

import static java.util.Objects.requireNonNull;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * A relayed response's writes to the client, batched: the head is held until the body's first piece or the end
 * of the origin's read, so a small response read whole leaves as one message (one encode, one buffer for the
 * SslHandler), and the client is flushed once per origin read, only when something was written.
 */
final class ClientWrites {
    private final ClientEnd client;
    private HttpResponse heldHead;
    private boolean unflushed;

    ClientWrites(ClientEnd client) {
        this.client = requireNonNull(client, "client");
    }

    void head(HttpResponse head) {
        heldHead = head;
    }

    void body(HttpContent c) {
        writeHeldHead();
        client.write(c, client.untrackedWrite());
        unflushed = true;
    }

    /** The origin's read is over: what it brought goes out. */
    void flush() {
        writeHeldHead();
        if (unflushed) {
            unflushed = false;
            client.flush();
        }
    }

    /** The response's end, with the held head when the whole response came in one read. */
    ChannelFuture last(LastHttpContent last, ChannelPromise promise) {
        unflushed = false;
        if (heldHead == null) {
            return client.writeAndFlush(last, promise);
        }
        HttpResponse h = heldHead;
        heldHead = null;
        return client.writeAndFlush(
                new DefaultFullHttpResponse(
                        h.protocolVersion(), h.status(), last.content(), h.headers(), last.trailingHeaders()),
                promise); // takes over the body's reference
    }

    /** The exchange ended without the client seeing this response. */
    void drop() {
        heldHead = null;
    }

    private void writeHeldHead() {
        if (heldHead != null) {
            client.write(heldHead, client.untrackedWrite());
            heldHead = null;
            unflushed = true;
        }
    }
}
