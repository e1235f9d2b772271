package io.mtlsproxy.core.certs;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether a private key belongs to a certificate's public key. EC and RSA keys are compared by their public half
 * ({@link PublicHalf}: cheap enough for a listener with a thousand certificates); any other key type the JDK can
 * sign with is proved by signing a random challenge and verifying it, which is what a TLS handshake will do with
 * the pair. For the loader of served certificates and for the CA tooling alike.
 */
public final class KeyPossession {
    private static final SecureRandom RANDOM = new SecureRandom();

    private KeyPossession() {}

    /** Empty when {@code key} belongs to {@code certified}; else why not, in words for an error message. */
    public static Optional<String> mismatch(PublicKey certified, PrivateKey key) {
        if (!compatible(certified.getAlgorithm(), key.getAlgorithm())) {
            return Optional.of(
                    "the key is " + key.getAlgorithm() + " but the certificate's key is " + certified.getAlgorithm());
        }
        Optional<Boolean> cheap = PublicHalf.matches(certified, key);
        if (cheap.isPresent()) {
            return cheap.get() ? Optional.empty() : Optional.of("it was made for another certificate");
        }
        try {
            String alg = signatureAlgorithm(key);
            byte[] challenge = new byte[32];
            RANDOM.nextBytes(challenge);
            Signature signer = Signature.getInstance(alg);
            signer.initSign(key);
            signer.update(challenge);
            byte[] sig = signer.sign();
            Signature verifier = Signature.getInstance(alg);
            verifier.initVerify(certified);
            verifier.update(challenge);
            return verifier.verify(sig) ? Optional.empty() : Optional.of("it was made for another certificate");
        } catch (GeneralSecurityException e) {
            return Optional.of(String.valueOf(e.getMessage()));
        }
    }

    private static boolean compatible(String publicAlg, String privateAlg) {
        return publicAlg.equalsIgnoreCase(privateAlg)
                || (publicAlg.equalsIgnoreCase("EC") && privateAlg.equalsIgnoreCase("ECDSA"))
                || (publicAlg.equalsIgnoreCase("ECDSA") && privateAlg.equalsIgnoreCase("EC"));
    }

    private static String signatureAlgorithm(PrivateKey key) {
        return switch (key.getAlgorithm().toUpperCase(Locale.ROOT)) {
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "ED25519" -> "Ed25519";
            case "ED448" -> "Ed448";
            default -> key.getAlgorithm();
        };
    }
}
