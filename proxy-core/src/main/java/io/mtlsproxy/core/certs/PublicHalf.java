package io.mtlsproxy.core.certs;

import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECParameterSpec;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/**
 * Whether a private key belongs to a certificate, decided by comparing the key's public half with the
 * certificate's (as OpenSSL's {@code X509_check_private_key} does): for EC the point the key file states
 * ({@link StatedPublicPoint}), else one fixed-base multiplication; for RSA modulus and exponent. A signature round
 * trip decides the same, at four times the cost of an EC multiplication, which dominated loading a listener with a
 * thousand certificates; the multiplication itself was still 12 % of {@code check-config}'s time at that scale.
 */
final class PublicHalf {
    /**
     * The JDK's curve parameters in BouncyCastle's form, per curve: the multiplier keeps its precomputed table on
     * the curve's generator, and converting again would make a new generator, and a new table, per key.
     */
    private static final Map<ECParameterSpec, org.bouncycastle.jce.spec.ECParameterSpec> CURVES =
            new ConcurrentHashMap<>();

    private PublicHalf() {}

    /** True or false when the key type allows the cheap check, empty otherwise (the caller signs and verifies). */
    static Optional<Boolean> matches(PublicKey certificateKey, PrivateKey key) {
        if (key instanceof ECPrivateKey ec && certificateKey instanceof ECPublicKey pub) {
            if (StatedPublicPoint.isCertificates(ec, pub)) {
                return Optional.of(true);
            }
            // no point stated (the JDK writes none), or another one: the scalar decides
            var spec = CURVES.computeIfAbsent(ec.getParams(), EC5Util::convertSpec);
            ECPoint q = new FixedPointCombMultiplier()
                    .multiply(spec.getG(), ec.getS())
                    .normalize();
            BigInteger x = q.getAffineXCoord().toBigInteger();
            BigInteger y = q.getAffineYCoord().toBigInteger();
            return Optional.of(
                    x.equals(pub.getW().getAffineX()) && y.equals(pub.getW().getAffineY()));
        }
        if (key instanceof RSAPrivateCrtKey rsa && certificateKey instanceof RSAPublicKey pub) {
            return Optional.of(rsa.getModulus().equals(pub.getModulus())
                    && rsa.getPublicExponent().equals(pub.getPublicExponent()));
        }
        return Optional.empty();
    }
}
