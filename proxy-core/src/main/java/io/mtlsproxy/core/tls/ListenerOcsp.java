package io.mtlsproxy.core.tls;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.OcspCheck;
import io.mtlsproxy.config.OcspSettings;
import io.mtlsproxy.core.revocation.CrlFetcher;
import io.mtlsproxy.core.revocation.OcspStaple;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * A listener's OCSP on the handshake path. Stapling: each server certificate's {@link OcspStaple} (fetched before,
 * kept fresh by the CRL fetcher's thread) is set on each new server engine from the bytes already held, one
 * volatile read per handshake; stapling needs the OpenSSL provider. Client checks: the contexts run their
 * certificate check as a delegated task (OpenSSL's {@code USE_TASKS}; the JDK engine always delegates), and each
 * SslHandler hands those tasks to the client-check executor, so that a question to the responder never blocks an
 * event loop (see {@link ClientOcspCheck} for why the handshake may wait for it).
 */
final class ListenerOcsp {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ListenerOcsp.class);
    static final ListenerOcsp NONE = new ListenerOcsp(Map.of(), List.of(), null);

    private final Map<SslContext, OcspStaple> staples;
    private final List<OcspStaple> distinct;
    private final Executor handshakeTasks; // null: certificate checks run where the engine runs them

    private ListenerOcsp(Map<SslContext, OcspStaple> staples, List<OcspStaple> distinct, Executor handshakeTasks) {
        this.staples = staples;
        this.distinct = List.copyOf(distinct);
        this.handshakeTasks = handshakeTasks;
    }

    static Builder builder(OcspSettings settings, SslProvider provider, List<LoadedKey> keys, CrlFetcher fetcher) {
        return new Builder(settings, provider, keys, fetcher);
    }

    SslHandler newHandler(SslContext context, ByteBufAllocator alloc) {
        SslHandler handler =
                handshakeTasks == null ? context.newHandler(alloc) : context.newHandler(alloc, handshakeTasks);
        OcspStaple staple = staples.get(context);
        if (staple != null && handler.engine() instanceof ReferenceCountedOpenSslEngine engine) {
            byte[] der = staple.current();
            if (der != null) {
                engine.setOcspResponse(der);
            }
        }
        return handler;
    }

    List<StapleStatus> staples() {
        List<StapleStatus> out = new ArrayList<>();
        distinct.forEach(s -> out.add(new StapleStatus(s.certificate(), s.state())));
        return out;
    }

    /** Collects the contexts a listener's build makes and the staple of the certificate each one serves. */
    static final class Builder {
        private final OcspSettings settings;
        private final boolean stapling;
        private final boolean delegate;
        private final boolean openSsl;
        private final Map<LoadedKey, OcspStaple> byKey = new IdentityHashMap<>();
        private final Map<SslContext, OcspStaple> staples = new IdentityHashMap<>();
        private final Executor handshakeTasks;

        private Builder(OcspSettings settings, SslProvider provider, List<LoadedKey> keys, CrlFetcher fetcher) {
            this.settings = requireNonNull(settings, "settings");
            this.stapling = settings.stapling() && provider != SslProvider.JDK && OpenSsl.isOcspSupported();
            this.delegate = settings.clientCheck() != OcspCheck.OFF;
            this.openSsl = provider != SslProvider.JDK;
            this.handshakeTasks = delegate ? fetcher.clientOcsp().handshakeTasks() : null;
            if (settings.stapling() && !stapling) {
                LOG.warn(
                        "tls.ocsp.stapling needs the OpenSSL provider with OCSP support ({} here): nothing is stapled",
                        provider);
            }
            if (stapling) {
                for (LoadedKey key : keys) {
                    byKey.put(key, fetcher.staples().ensure(key.chain(), settings.responder()));
                }
            }
        }

        /** The options OCSP needs on every context of the listener. */
        void configure(SslContextBuilder b) {
            if (stapling) {
                b.enableOcsp(true);
            }
            if (delegate && openSsl) { // the JDK engine runs its certificate checks as delegated tasks anyway
                b.option(OpenSslContextOption.USE_TASKS, true);
            }
        }

        /** Notes that {@code context} serves {@code key}'s certificate; returns it. Contexts are built in parallel. */
        synchronized SslContext register(LoadedKey key, SslContext context) {
            if (stapling) {
                staples.put(context, byKey.get(key));
            }
            return context;
        }

        synchronized ListenerOcsp build() {
            if (!stapling && !delegate) {
                return NONE;
            }
            return new ListenerOcsp(new IdentityHashMap<>(staples), List.copyOf(byKey.values()), handshakeTasks);
        }
    }
}
