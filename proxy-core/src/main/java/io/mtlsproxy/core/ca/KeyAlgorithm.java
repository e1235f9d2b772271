package io.mtlsproxy.core.ca;

import io.mtlsproxy.core.certs.CertificateDescription;
import io.mtlsproxy.core.certs.KeyPossession;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Locale;

/** Key types the PKI tooling makes. EC P-256 is the default, as the seeds recommend. */
public enum KeyAlgorithm {
    EC_P256("SHA256withECDSA"),
    RSA_2048("SHA256withRSA"),
    RSA_4096("SHA256withRSA");

    private final String signatureAlgorithm;

    KeyAlgorithm(String signatureAlgorithm) {
        this.signatureAlgorithm = signatureAlgorithm;
    }

    /** The name on the command line and in {@code renew.key-type}: ec-p256, rsa-2048, rsa-4096. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
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
            throw new IllegalStateException("cannot generate " + cliName() + " key", e);
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

    /** True when {@code privateKey} belongs to {@code publicKey} ({@link KeyPossession}). */
    public static boolean isPair(PublicKey publicKey, PrivateKey privateKey) {
        return KeyPossession.mismatch(publicKey, privateKey).isEmpty();
    }

    public static KeyAlgorithm fromCliName(String name) {
        for (KeyAlgorithm a : values()) {
            if (a.cliName().equals(name.toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new IllegalArgumentException("key: " + name + " (expected: ec-p256, rsa-2048 or rsa-4096)");
    }
}
