package io.mtlsproxy.admin.server;

import static io.netty.handler.codec.http.HttpResponseStatus.BAD_GATEWAY;
import static io.netty.handler.codec.http.HttpResponseStatus.BAD_REQUEST;
import static io.netty.handler.codec.http.HttpResponseStatus.INTERNAL_SERVER_ERROR;
import static io.netty.handler.codec.http.HttpResponseStatus.METHOD_NOT_ALLOWED;
import static io.netty.handler.codec.http.HttpResponseStatus.NOT_FOUND;
import static io.netty.handler.codec.http.HttpResponseStatus.OK;
import static io.netty.handler.codec.http.HttpResponseStatus.SERVICE_UNAVAILABLE;
import static io.netty.handler.codec.http.HttpResponseStatus.UNPROCESSABLE_ENTITY;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mtlsproxy.admin.inventory.CertificateInventory;
import io.mtlsproxy.admin.json.Json;
import io.mtlsproxy.core.reload.ProxyView;
import io.mtlsproxy.core.reload.ReloadResult;
import io.mtlsproxy.core.renew.RenewalStatus;
import io.mtlsproxy.core.renew.Renewals;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the admin endpoints. Runs on the admin server's own event loop: everything here is an in-memory
 * read (view flags, the inventory's last evaluation, the registry's scrape), except {@code POST /reload}, which
 * reads files and so runs on the reload executor, and {@code POST /renew}, which runs on the renewal thread;
 * their answers are written back from there.
 */
@ChannelHandler.Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final String JSON = "application/json";
    private static final String TEXT = "text/plain; charset=utf-8";
    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);

    /** path → the one method it answers */
    private static final Map<String, HttpMethod> ENDPOINTS = Map.of(
            "/healthz", HttpMethod.GET,
            "/readyz", HttpMethod.GET,
            "/metrics", HttpMethod.GET,
            "/certs", HttpMethod.GET,
            "/tls/failures", HttpMethod.GET,
            "/clients", HttpMethod.GET,
            "/upstreams", HttpMethod.GET,
            "/server-info", HttpMethod.GET,
            "/reload", HttpMethod.POST,
            "/renew", HttpMethod.POST);

    private final ProxyView view;
    private final PrometheusMeterRegistry registry;
    private final CertificateInventory inventory;
    private final Executor reloadExecutor;
    private final Renewals renewals;
    private final ServerInfo serverInfo;
    private final AdminAccess access;
    private final boolean healthOnly;

    /**
     * @param access     who may call the endpoints other than health
     * @param healthOnly the health port: /healthz and /readyz only, open to all
     */
    AdminHandler(
            ProxyView view,
            PrometheusMeterRegistry registry,
            CertificateInventory inventory,
            Executor reloadExecutor,
            Renewals renewals,
            ServerInfo serverInfo,
            AdminAccess access,
            boolean healthOnly) {
        this.renewals = renewals;
        this.view = view;
        this.serverInfo = serverInfo;
        this.registry = registry;
        this.inventory = inventory;
        this.reloadExecutor = reloadExecutor;
        this.access = access;
        this.healthOnly = healthOnly;
    }

    private static boolean health(String path) {
        return path.equals("/healthz") || path.equals("/readyz");
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (request.decoderResult().isFailure()) {
            send(ctx, request, text(BAD_REQUEST, "malformed request"));
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        HttpMethod allowed = ENDPOINTS.get(uri.path());
        if (healthOnly && !health(uri.path())) {
            noSuchEndpoint(ctx, request, uri.path(), "/healthz, /readyz; this is the health port");
            return;
        }
        if (allowed != null && !health(uri.path())) {
            Optional<AdminAccess.Refusal> refusal = access.check(ctx.channel(), request);
            if (refusal.isPresent()) {
                refuse(ctx, request, uri.path(), refusal.get());
                return;
            }
        }
        if (allowed == null) {
            noSuchEndpoint(
                    ctx,
                    request,
                    uri.path(),
                    "/healthz, /readyz, /metrics, /certs, /clients, /upstreams, /tls/failures, /server-info,"
                            + " POST /reload,"
                            + " POST /renew");
            return;
        }
        if (!allowed.equals(request.method())) {
            FullHttpResponse response = text(METHOD_NOT_ALLOWED, uri.path() + " answers " + allowed + " only");
            response.headers().set(HttpHeaderNames.ALLOW, allowed.name());
            send(ctx, request, response);
            return;
        }
        switch (uri.path()) {
            case "/healthz" -> send(ctx, request, text(OK, "ok"));
            case "/readyz" -> send(ctx, request, readiness());
            case "/metrics" ->
                send(
                        ctx,
                        request,
                        response(OK, METRICS_CONTENT_TYPE, registry.scrape().getBytes(StandardCharsets.UTF_8)));
            case "/certs" -> send(ctx, request, certs(uri.parameters().getOrDefault("state", List.of())));
            case "/tls/failures" ->
                send(
                        ctx,
                        request,
                        json(
                                OK,
                                TlsFailuresReport.of(
                                        view.metrics().failures().snapshot(),
                                        inventory.clock().instant())));
            case "/clients" -> send(ctx, request, clients(uri.parameters()));
            case "/upstreams" ->
                send(
                        ctx,
                        request,
                        json(
                                OK,
                                UpstreamsReport.of(
                                        view.upstreams(), inventory.clock().instant())));
            case "/server-info" -> send(ctx, request, json(OK, serverInfo.report()));
            case "/reload" -> reload(ctx, request);
            case "/renew" -> renew(ctx, request, uri.parameters());
            default -> throw new IllegalStateException("unrouted endpoint " + uri.path());
        }
    }

    /** 401 or 403, logged: an admin call from someone without the credentials is worth an operator's look. */
    private static void refuse(
            ChannelHandlerContext ctx, FullHttpRequest request, String path, AdminAccess.Refusal refusal) {
        log.warn(
                "admin: refused {} {} from {}: {} {}",
                request.method(),
                path,
                ctx.channel().remoteAddress(),
                refusal.status().code(),
                refusal.reason());
        FullHttpResponse response = text(refusal.status(), refusal.reason());
        if (refusal.status().equals(HttpResponseStatus.UNAUTHORIZED)) {
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"mtls-proxy admin\"");
        }
        send(ctx, request, response);
    }

    private FullHttpResponse readiness() {
        if (view.draining()) {
            return text(SERVICE_UNAVAILABLE, "draining");
        }
        return view.ready() ? text(OK, "ready") : text(SERVICE_UNAVAILABLE, "starting");
    }

    private FullHttpResponse certs(List<String> stateParams) {
        Set<String> states;
        try {
            states = CertsReport.parseStates(stateParams);
        } catch (IllegalArgumentException e) {
            return text(BAD_REQUEST, e.getMessage());
        }
        return json(
                OK,
                CertsReport.of(
                        inventory.snapshot(),
                        inventory.clock().instant(),
                        states,
                        renewals.statuses(),
                        view.staples()));
    }

    private FullHttpResponse clients(Map<String, List<String>> params) {
        Set<String> states;
        try {
            states = CertsReport.parseStates(params.getOrDefault("state", List.of()), ClientsReport.STATES);
        } catch (IllegalArgumentException e) {
            return text(BAD_REQUEST, e.getMessage());
        }
        Set<String> listeners = Set.copyOf(params.getOrDefault("listener", List.of()));
        var clients = view.metrics().clients();
        return json(
                OK,
                ClientsReport.of(
                        clients.snapshot(),
                        clients.dropped(),
                        inventory.clock().instant(),
                        inventory.thresholds(),
                        states,
                        listeners));
    }

    /**
     * Renews now (all, or {@code ?owner=NAME[&usage=...]}); the work runs on the renewal thread and the answer is
     * written from there: 200 with what was renewed, 502 with why not, 404 for an owner with no renew block.
     */
    private void renew(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, List<String>> params) {
        Optional<String> owner =
                params.getOrDefault("owner", List.of()).stream().findFirst();
        Optional<String> usage =
                params.getOrDefault("usage", List.of()).stream().findFirst();
        Predicate<RenewalStatus> filter = s -> owner.map(s.owner()::equals).orElse(true)
                && usage.map(s.usage()::equals).orElse(true);
        if ((owner.isPresent() || usage.isPresent())
                && renewals.statuses().stream().noneMatch(filter)) {
            send(
                    ctx,
                    request,
                    text(
                            NOT_FOUND,
                            "no certificate with a renew block for"
                                    + owner.map(o -> " owner " + o).orElse("")
                                    + usage.map(u -> " usage " + u).orElse("")));
            return;
        }
        request.retain();
        CompletableFuture<FullHttpResponse> answer = renewals.renewNow(filter).handle((outcome, error) -> {
            if (error != null) {
                log.error("renewal requested on the admin endpoint failed", error);
                return json(INTERNAL_SERVER_ERROR, new RenewReport("error", List.of(), List.of(error.toString())));
            }
            log.info(
                    "renewal requested on the admin endpoint: renewed {}, errors {}",
                    outcome.renewed(),
                    outcome.errors());
            inventory.refresh();
            return json(outcome.ok() ? OK : BAD_GATEWAY, RenewReport.of(outcome));
        });
        sendWhenDone(ctx, request, "renew", answer);
    }

    /** Reads files, so never on this event loop; the request is retained until the answer is written. */
    private void reload(ChannelHandlerContext ctx, FullHttpRequest request) {
        request.retain();
        CompletableFuture<FullHttpResponse> answer = CompletableFuture.supplyAsync(view::reload, reloadExecutor)
                .handle((result, error) -> {
                    FullHttpResponse response;
                    if (error != null) {
                        Throwable cause = error instanceof CompletionException && error.getCause() != null
                                ? error.getCause()
                                : error;
                        log.error("reload requested on the admin endpoint failed", cause);
                        response = json(UNPROCESSABLE_ENTITY, ReloadReport.crashed(cause));
                    } else {
                        logResult(result); // the reload's owner refreshed the inventory (ProxyApp: the reloader's
                        // listener)
                        response = json(result.ok() ? OK : UNPROCESSABLE_ENTITY, ReloadReport.of(result));
                    }
                    return response;
                });
        sendWhenDone(ctx, request, "reload", answer);
    }

    /** Sends an answer made off this event loop, then releases the request retained for it. */
    private static void sendWhenDone(
            ChannelHandlerContext ctx,
            FullHttpRequest request,
            String what,
            CompletableFuture<FullHttpResponse> answer) {
        answer.whenComplete((response, error) -> {
            try {
                send(
                        ctx,
                        request,
                        response != null ? response : text(INTERNAL_SERVER_ERROR, what + " answer failed: " + error));
            } finally {
                request.release();
            }
        });
    }

    private static void logResult(ReloadResult result) {
        if (result.ok()) {
            log.info("reload requested on the admin endpoint: ok, changed {}", result.changed());
        } else {
            log.warn("reload requested on the admin endpoint rejected, old state kept: {}", result.errors());
        }
    }

    private static void noSuchEndpoint(
            ChannelHandlerContext ctx, FullHttpRequest request, String path, String expected) {
        send(ctx, request, text(NOT_FOUND, "no such endpoint: " + path + " (expected: " + expected + ")"));
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        HttpUtil.setKeepAlive(response, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(response, ctx.voidPromise());
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static FullHttpResponse json(HttpResponseStatus status, Object body) {
        return response(status, JSON, Json.bytes(body));
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body) {
        return response(status, TEXT, (body + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static FullHttpResponse response(HttpResponseStatus status, String contentType, byte[] body) {
        FullHttpResponse response =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        return response;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            ctx.close(); // an idle scraper reconnects; an abandoned connection is not kept forever
        } else {
            super.userEventTriggered(ctx, event);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("admin connection {} closed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
