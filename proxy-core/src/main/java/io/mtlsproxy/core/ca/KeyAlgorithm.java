package io.mtlsproxy.core.ca;

import io.mtlsproxy.core.certs.CertificateDescription;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Locale;

/** Key types the PKI tooling makes. EC P-256 is the default, as the seeds recommend. */
public enum KeyAlgorithm {
    EC_P256("ec-p256", "SHA256withECDSA"),
    RSA_2048("rsa-2048", "SHA256withRSA"),
    RSA_4096("rsa-4096", "SHA256withRSA");

    private final String cliName;
    private final String signatureAlgorithm;

    KeyAlgorithm(String cliName, String signatureAlgorithm) {
        this.cliName = cliName;
        this.signatureAlgorithm = signatureAlgorithm;
    }

    public String cliName() {
        return cliName;
    }

    public String signatureAlgorithm() {
        return signatureAlgorithm;
    }

    public KeyPair generate() {
        try {
            if (this == EC_P256) {
                KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                g.initialize(new ECGenParameterSpec("secp256r1"));
                return g.generateKeyPair();
            }
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(this == RSA_2048 ? 2048 : 4096);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate " + cliName + " key", e);
        }
    }

    /** The signature algorithm a key of this family signs with (chosen by the issuer's key, not the subject's). */
    public static String signatureAlgorithmFor(PrivateKey key) {
        return "EC".equals(key.getAlgorithm()) ? EC_P256.signatureAlgorithm : RSA_2048.signatureAlgorithm;
    }

    /** The algorithm that makes keys like {@code key}: what {@code pki renew} generates a fresh key with. */
    public static KeyAlgorithm of(PublicKey key) {
        String type = CertificateDescription.keyType(key);
        return switch (type) {
            case "EC P-256" -> EC_P256;
            case "RSA 2048" -> RSA_2048;
            case "RSA 4096" -> RSA_4096;
            default ->
                throw new IllegalArgumentException(
                        "key: " + type + " (expected: a key the PKI tooling makes: ec-p256, rsa-2048 or rsa-4096)");
        };
    }

    /**
     * True when {@code privateKey} belongs to {@code publicKey}: signs a random challenge and verifies it, which
     * works for every key type without deriving the public half.
     */
    public static boolean isPair(PublicKey publicKey, PrivateKey privateKey) {
        if (!publicKey.getAlgorithm().equals(privateKey.getAlgorithm())) {
            return false;
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            String algorithm = signatureAlgorithmFor(privateKey);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    public static KeyAlgorithm fromCliName(String name) {
        for (KeyAlgorithm a : values()) {
            if (a.cliName.equals(name.toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new IllegalArgumentException("key: " + name + " (expected: ec-p256, rsa-2048 or rsa-4096)");
    }
}
