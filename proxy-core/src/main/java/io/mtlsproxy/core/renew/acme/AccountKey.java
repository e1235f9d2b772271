package io.mtlsproxy.core.renew.acme;

import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.renew.IssueException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util;

/**
 * The ACME account key: read from {@code account-key}, or made (EC P-256) and written there (0600, atomic rename)
 * on first use. Whoever holds it is the account, so it stays on this host like the certificate keys. Any PEM key
 * form the project reads works (PKCS#8, SEC1, PKCS#1), e.g. one made by {@code openssl genpkey} or certbot.
 */
final class AccountKey {
    private AccountKey() {}

    /** Synchronized: two issuers (or two renewals) sharing one account-key must not both create it. */
    static synchronized KeyPair loadOrCreate(Path file) throws IssueException {
        try {
            PrivateKey key = Pem.readPrivateKey(Files.readAllBytes(file));
            if (key == null) {
                throw new IssueException("acme: account-key " + file + " holds no private key (expected: a PEM key;"
                        + " remove the file to have a new account key made)");
            }
            return new KeyPair(publicHalf(key), key);
        } catch (NoSuchFileException e) {
            return create(file);
        } catch (IOException | GeneralSecurityException | ClassCastException e) {
            throw new IssueException("acme: cannot read account-key " + file + ": " + e.getMessage(), e);
        }
    }

    private static KeyPair create(Path file) throws IssueException {
        KeyPair pair = KeyAlgorithm.EC_P256.generate();
        try {
            Pem.writeKey(file, pair.getPrivate());
        } catch (IOException e) {
            throw new IssueException("acme: cannot write the new account-key " + file + ": " + e.getMessage(), e);
        }
        return pair;
    }

    /** PEM private keys do not always carry the public half; RSA and EC keys let it be computed. */
    static PublicKey publicHalf(PrivateKey key) throws GeneralSecurityException {
        if (key instanceof RSAPrivateCrtKey rsa) {
            return KeyFactory.getInstance("RSA")
                    .generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
        }
        if (key instanceof ECPrivateKey ec) {
            var q = EC5Util.convertSpec(ec.getParams())
                    .getG()
                    .multiply(ec.getS())
                    .normalize();
            ECPoint w = new ECPoint(
                    q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
            return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, ec.getParams()));
        }
        throw new GeneralSecurityException(
                "unsupported key type " + key.getAlgorithm() + " (expected: an EC or RSA key)");
    }
}
