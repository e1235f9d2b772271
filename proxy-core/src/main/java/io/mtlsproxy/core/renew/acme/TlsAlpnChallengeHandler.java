package io.mtlsproxy.core.renew.acme;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.tls.ClientHelloSummary;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslClientHelloHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First look at a ClientHello on a listener that answers tls-alpn-01, in front of the listener's own SNI handler.
 * A hello offering ALPN {@code acme-tls/1} for a name with a pending challenge gets the validation handshake and
 * nothing else: the rest of the pipeline (SNI, HTTP, routes, client-certificate checks) is dropped and the
 * connection closes once the handshake is done. A hello offering {@code acme-tls/1} for any other name is closed,
 * never routed. Any other hello (the normal case) goes on, byte for byte, to the SNI handler. Not sharable.
 */
final class TlsAlpnChallengeHandler extends SslClientHelloHandler<TlsAlpnChallengeHandler.Verdict> {
    private static final Logger LOG = LoggerFactory.getLogger(TlsAlpnChallengeHandler.class);

    /** What to do with one hello: go on to the listener (null context, not acme), answer, or refuse. */
    record Verdict(boolean acme, SslContext context) {
        static final Verdict NOT_ACME = new Verdict(false, null);
    }

    private final AcmeChallenges board;
    private final long handshakeTimeoutMillis;
    private boolean refused;

    TlsAlpnChallengeHandler(AcmeChallenges board, long handshakeTimeoutMillis) {
        this.board = requireNonNull(board, "board");
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (refused) {
            in.skipBytes(in.readableBytes()); // closing: nothing more of it is looked at
            return;
        }
        super.decode(ctx, in, out);
    }

    @Override
    protected Future<Verdict> lookup(ChannelHandlerContext ctx, ByteBuf clientHello) {
        // the buffer is released by the caller once this returns: read what we need now
        ClientHelloSummary hello = ClientHelloSummary.parse(clientHello);
        Verdict verdict = Verdict.NOT_ACME;
        if (hello.offers(ValidationTlsContext.ACME_TLS_1)) {
            verdict = new Verdict(
                    true, hello.serverName().flatMap(board::tlsAlpn01).orElse(null));
            if (verdict.context() == null) {
                LOG.debug(
                        "acme-tls/1 hello from {} for {}: no pending challenge, closed",
                        ctx.channel().remoteAddress(),
                        hello.serverName().orElse("(no SNI)"));
            }
        }
        return ctx.executor().newSucceededFuture(verdict);
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, Future<Verdict> future) {
        Verdict verdict = future.getNow();
        if (!verdict.acme()) {
            ctx.pipeline().remove(this); // the buffered hello flows on to "sni" untouched
        } else if (verdict.context() == null) {
            refused = true;
            ctx.close();
        } else {
            answer(ctx, verdict.context());
        }
    }

    private void answer(ChannelHandlerContext ctx, SslContext context) {
        ChannelPipeline p = ctx.pipeline();
        List<String> names = p.names();
        for (String name : names.subList(names.indexOf(ctx.name()) + 1, names.size())) {
            if (p.context(name) != null) { // names() ends with the pipeline's tail, which is not removable
                p.remove(name);
            }
        }
        SslHandler tls = context.newHandler(ctx.alloc());
        tls.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        p.addLast("acme-validation-done", new CloseAfterHandshake());
        p.replace(this, "acme-tls", tls); // hands the buffered hello to the validation handshake
    }
}
