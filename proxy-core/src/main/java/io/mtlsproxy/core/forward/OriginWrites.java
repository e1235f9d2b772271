package io.mtlsproxy.core.forward;

import io.mtlsproxy.core.upstream.UpstreamHandler;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;

/**
 * A request's writes to its origin connection, batched: body pieces that arrive while the connection is being
 * made wait here, a piece of body is flushed when the client's read completes, the request's end at once.
 */
final class OriginWrites {
    private Channel channel;
    private UpstreamHandler relay;
    private ArrayDeque<HttpContent> pending; // body pieces that arrive before the origin connection; rare
    private boolean unflushed;
    private boolean wroteBody; // on any try: a retry must then send the body again from its copy

    /** The connection is up; {@code sink} gets what the origin sends. */
    void connected(Channel ch, UpstreamHandler.Sink sink) {
        channel = ch;
        relay = UpstreamHandler.of(ch);
        relay.attach(sink);
    }

    /** The origin connection, null while connecting. */
    Channel channel() {
        return channel;
    }

    /** The connection went before any response and will be replaced (the stale-connection retry). */
    void lost() {
        channel = null;
        relay = null;
    }

    /** Whether the connection served an exchange before: its close is then most likely a stale one. */
    boolean reused() {
        return channel != null && relay != null && relay.uses() > 1;
    }

    void head(HttpRequest request) {
        channel.write(request, relay.untrackedWrite());
    }

    /** A piece of the body, written (or held while connecting); true when it was the request's end, sent. */
    boolean body(HttpContent c) {
        if (channel == null) {
            if (pending == null) {
                pending = new ArrayDeque<>(4);
            }
            pending.add(c);
            return false;
        }
        wroteBody = true;
        channel.write(c, relay.untrackedWrite());
        if (c instanceof LastHttpContent) {
            flushNow();
            return true;
        }
        unflushed = true; // flushed when the client's read completes
        return false;
    }

    /** Whether some of the body went to an origin connection, on this try or an earlier one. */
    boolean wroteBody() {
        return wroteBody;
    }

    /** Writes the pieces held while connecting; true when the request's end was among them. */
    boolean writePending() {
        boolean end = false;
        HttpContent c;
        while (pending != null && (c = pending.poll()) != null) {
            end |= body(c);
        }
        return end;
    }

    void flushNow() {
        unflushed = false;
        channel.flush();
    }

    /** The client's read completed: what it brought for the origin goes out. */
    void flush() {
        if (unflushed && channel != null) {
            flushNow();
        }
    }

    boolean writable() {
        return channel != null && channel.isWritable();
    }

    void releasePending() {
        HttpContent c;
        while (pending != null && (c = pending.poll()) != null) {
            c.release();
        }
    }

    /** Closes the connection, never to be pooled: this exchange broke it off. */
    void close() {
        if (channel != null) {
            if (relay != null) {
                relay.detach();
            }
            channel.close();
        }
    }
}
