package io.mtlsproxy.bench.soak;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.bench.load.ClientTls;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The soak's load: every {@link Flow}'s connections, spread over a few event loops, running until {@link #stop}.
 * The client TLS contexts are the bench load generator's ({@link ClientTls}: one version and suite per context,
 * no session cache, so each new connection is a full mTLS handshake against the current server certificate and
 * CRL). Stopping lets every request in flight finish; none is cut off by the soak itself.
 */
final class Traffic implements AutoCloseable {
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

    private final EventLoopGroup group;
    private final Map<String, SslContext> contexts = new LinkedHashMap<>();
    private final Outcomes outcomes;
    private final List<Lane> lanes = new ArrayList<>();
    private final CountDownLatch stopped;
    private volatile boolean stopping;

    Traffic(SoakPki pki, int port, List<Flow> flows, Outcomes outcomes, int threads) throws SSLException {
        this.outcomes = requireNonNull(outcomes, "outcomes");
        this.group = new MultiThreadIoEventLoopGroup(
                threads, new DefaultThreadFactory("soak-load", true), NioIoHandler.newFactory());
        try {
            ClientTls.Identity identity = new ClientTls.Identity(pki.loaderCert(), pki.loaderKey());
            for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
                contexts.put(protocol, ClientTls.create(protocol, pki.edgeCa(), Optional.of(identity)));
            }
        } catch (SSLException | RuntimeException e) {
            close();
            throw e;
        }
        int n = 0;
        for (Flow flow : flows) {
            for (int c = 0; c < flow.connections(); c++) {
                lanes.add(new Lane(this, flow, group.next(), context(flow.protocol()), port));
                n++;
            }
        }
        this.stopped = new CountDownLatch(n);
    }

    SslContext context(String protocol) {
        SslContext c = contexts.get(protocol);
        if (c == null) {
            throw new IllegalArgumentException(
                    "protocol: " + protocol + " (expected: one of " + contexts.keySet() + ")");
        }
        return c;
    }

    Bootstrap bootstrap(EventLoop loop) {
        return new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000);
    }

    EventLoopGroup group() {
        return group;
    }

    Outcomes outcomes() {
        return outcomes;
    }

    void start() {
        lanes.forEach(Lane::start);
    }

    boolean stopping() {
        return stopping;
    }

    void laneDone() {
        stopped.countDown();
    }

    /** No new request after this; waits for those in flight (each ends within the request timeout). */
    boolean stop(Duration wait) throws InterruptedException {
        stopping = true;
        return stopped.await(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        stopping = true;
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        contexts.values().forEach(ReferenceCountUtil::release);
    }
}
