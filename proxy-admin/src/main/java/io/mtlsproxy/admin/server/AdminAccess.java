package io.mtlsproxy.admin.server;

import io.mtlsproxy.config.AdminConfig;
import io.mtlsproxy.config.ClientAuth;
import io.mtlsproxy.config.ClientIdentity;
import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.config.DenyList;
import io.mtlsproxy.config.FileRef;
import io.mtlsproxy.config.IdentityMode;
import io.mtlsproxy.config.Limits;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.ListenerTls;
import io.mtlsproxy.config.OcspSettings;
import io.mtlsproxy.config.TlsMode;
import io.mtlsproxy.core.identity.IdentityPolicy;
import io.mtlsproxy.core.identity.PeerIdentity;
import io.mtlsproxy.core.tls.ServerTls;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Optional;

/**
 * Who may call the admin endpoints other than health ({@code admin.auth}): a bearer token read from a file, a
 * client certificate that the admin port's CA verified and the allow-list admits, or both when both are set.
 * Open (today's default) when there is no auth block. The token file is read at start and after every reload
 * (it is watched, so a rotated Secret takes effect), never on the admin event loop.
 */
public final class AdminAccess {
    public static final AdminAccess OPEN = new AdminAccess(Optional.empty(), Optional.empty(), null);

    /** A refused call: 401 (no or bad credentials) or 403 (an identity the allow-list does not admit). */
    record Refusal(HttpResponseStatus status, String reason) {}

    private final Optional<FileRef> tokenFile;
    private final Optional<SslContext> tls;
    private final IdentityPolicy policy;
    private volatile byte[] tokenDigest;

    private AdminAccess(Optional<FileRef> tokenFile, Optional<SslContext> tls, IdentityPolicy policy) {
        this.tokenFile = tokenFile;
        this.tls = tls;
        this.policy = policy;
    }

    /** Reads the token and builds the admin port's TLS (blocking: from the start thread). */
    public static AdminAccess of(AdminConfig config) throws ConfigException {
        if (config.auth().isEmpty()) {
            return OPEN;
        }
        AdminConfig.Auth auth = config.auth().get();
        Optional<SslContext> tls = Optional.empty();
        if (auth.tls().isPresent()) {
            tls = Optional.of(
                    ServerTls.build(asListener(config, auth.tls().get())).defaultContext());
        }
        AdminAccess access = new AdminAccess(
                auth.tokenFile(), tls, IdentityPolicy.of(new ClientIdentity(true, IdentityMode.ENFORCE, auth.allow())));
        access.reloadToken();
        return access;
    }

    /**
     * The admin port as an mTLS listener, so that it gets the listeners' one TLS builder (protocols, ciphers,
     * CRL-free client verification). Client auth is optional in the handshake so that a caller without a
     * certificate gets a 401 that says why, and the refusal is logged, rather than a bare handshake alert.
     */
    private static ListenerConfig asListener(AdminConfig config, AdminConfig.Tls tls) {
        ListenerTls listenerTls = new ListenerTls(
                TlsMode.MTLS,
                ClientAuth.OPTIONAL,
                List.of(tls.certificate()),
                Optional.of(tls.clientCa()),
                Optional.empty(),
                ListenerTls.DEFAULT_VERIFY_DEPTH,
                ListenerTls.DEFAULT_PROTOCOLS,
                false,
                DenyList.EMPTY,
                true,
                Optional.empty(),
                List.of(),
                OcspSettings.OFF);
        return new ListenerConfig(
                "admin",
                config.bind(),
                config.port(),
                false,
                listenerTls,
                Limits.DEFAULT,
                tls.clientCa().source());
    }

    /** Re-reads the token file (after a reload); a file that cannot be read keeps the previous token. */
    void reloadToken() throws ConfigException {
        if (tokenFile.isEmpty()) {
            return;
        }
        FileRef file = tokenFile.get();
        String token;
        try {
            token = Files.readString(file.path(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new ConfigException(List.of(file.error("cannot read " + file.path() + ": " + e)));
        }
        if (token.isEmpty()) {
            throw new ConfigException(List.of(file.error(file.path() + " is empty (expected: the bearer token)")));
        }
        tokenDigest = sha256(token);
    }

    Optional<SslContext> sslContext() {
        return tls;
    }

    /** Empty when the call may proceed. */
    Optional<Refusal> check(Channel channel, HttpRequest request) {
        if (tls.isPresent()) {
            Optional<Refusal> refused = checkCertificate(channel);
            if (refused.isPresent()) {
                return refused;
            }
        }
        if (tokenDigest != null) {
            String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
            if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return Optional.of(new Refusal(HttpResponseStatus.UNAUTHORIZED, "no bearer token"));
            }
            // compared as digests, in constant time: the answer's timing says nothing about the token
            if (!MessageDigest.isEqual(tokenDigest, sha256(header.substring(7).trim()))) {
                return Optional.of(new Refusal(HttpResponseStatus.UNAUTHORIZED, "wrong bearer token"));
            }
        }
        return Optional.empty();
    }

    private Optional<Refusal> checkCertificate(Channel channel) {
        PeerIdentity peer = channel.attr(PeerIdentity.KEY).get();
        if (peer == null) {
            SslHandler ssl = channel.pipeline().get(SslHandler.class);
            peer = ssl == null ? PeerIdentity.ANONYMOUS : PeerIdentity.fromHandshake(ssl);
            channel.attr(PeerIdentity.KEY).set(peer);
        }
        return switch (policy.evaluate(peer)) {
            case ADMIT -> Optional.empty();
            case NO_CERTIFICATE -> Optional.of(new Refusal(HttpResponseStatus.UNAUTHORIZED, "no client certificate"));
            case BAD_CERTIFICATE ->
                Optional.of(new Refusal(
                        HttpResponseStatus.UNAUTHORIZED,
                        "client certificate failed verification: " + peer.verificationError()));
            case NOT_ALLOWED ->
                Optional.of(new Refusal(
                        HttpResponseStatus.FORBIDDEN, "client certificate not in admin.auth.allow: " + peer.subject()));
        };
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
