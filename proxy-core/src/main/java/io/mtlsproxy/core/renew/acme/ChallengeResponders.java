package io.mtlsproxy.core.renew.acme;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.AcmeChallenge;
import io.mtlsproxy.config.AcmeIssuerConfig;
import io.mtlsproxy.config.IssuerConfig;
import io.mtlsproxy.config.ListenerConfig;
import io.mtlsproxy.config.TlsMode;
import io.netty.channel.ChannelHandler;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Which listeners answer ACME validations, decided per connection from the current snapshot's issuers: a TLS
 * listener named as {@code challenge-listener} by a tls-alpn-01 issuer gets a hello inspector in front of its SNI
 * handler, a plain one named by an http-01 issuer a challenge handler in front of its proxy handler. Every other
 * listener gets nothing (the bench pays one look at an empty map).
 */
public final class ChallengeResponders {
    /** For servers that answer no challenge (tests, tools). */
    public static final ChallengeResponders NONE = new ChallengeResponders(new AcmeChallenges(), Map::of);

    private final AcmeChallenges board;
    private final Supplier<Map<String, IssuerConfig>> issuers;

    /** @param issuers the issuers of the snapshot current at accept time */
    public ChallengeResponders(AcmeChallenges board, Supplier<Map<String, IssuerConfig>> issuers) {
        this.board = requireNonNull(board, "board");
        this.issuers = requireNonNull(issuers, "issuers");
    }

    /** The handler to put before {@code sni}, or null when this TLS listener answers no tls-alpn-01 challenge. */
    public ChannelHandler tlsAlpn01(ListenerConfig listener) {
        if (listener.tls().mode() == TlsMode.NONE || !named(listener, AcmeChallenge.TLS_ALPN_01)) {
            return null;
        }
        return new TlsAlpnChallengeHandler(
                board, listener.limits().handshakeTimeout().toMillis());
    }

    /** The handler to put before {@code proxy}, or null when this plain listener answers no http-01 challenge. */
    public ChannelHandler http01(ListenerConfig listener) {
        if (listener.tls().mode() != TlsMode.NONE || !named(listener, AcmeChallenge.HTTP_01)) {
            return null;
        }
        return new Http01ChallengeHandler(board);
    }

    private boolean named(ListenerConfig listener, AcmeChallenge challenge) {
        for (IssuerConfig issuer : issuers.get().values()) {
            if (issuer instanceof AcmeIssuerConfig acme
                    && acme.challenge() == challenge
                    && acme.challengeListener().equals(listener.name())) {
                return true;
            }
        }
        return false;
    }
}
