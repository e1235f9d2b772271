package io.mtlsproxy.core.certs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.core.ca.CertificateAuthority;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.testing.OpenSslKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key file's stated public point spares the multiplication only when it is the certificate's own point; any
 * other point, or none, leaves the decision to the private scalar. Keys as openssl writes them (point inside) and
 * as the JDK writes them (no point), and keys written by hand to state a point that is not theirs.
 */
@Timeout(30)
class StatedPublicPointTest {
    private static final CertificateAuthority CA =
            CertificateAuthority.createRoot("ca", Duration.ofDays(1), KeyAlgorithm.EC_P256);
    private static final IssuedCertificate SERVER =
            CA.issue(CertificateSpec.server("server").dns("server.example").build());
    private static final IssuedCertificate OTHER =
            CA.issue(CertificateSpec.server("other").dns("other.example").build());

    @TempDir
    Path dir;

    @Test
    void aKeyAsOpensslWritesItStatesItsCertificatesPoint() throws Exception {
        for (ECPrivateKey key : opensslRewritten(SERVER.privateKey())) {
            assertArrayEquals(
                    point(SERVER.certificate().getPublicKey()),
                    StatedPublicPoint.of(key).orElseThrow());
            assertTrue(StatedPublicPoint.isCertificates(key, certified(SERVER)));
            assertEquals(
                    Optional.empty(),
                    KeyPossession.mismatch(SERVER.certificate().getPublicKey(), key));
        }
    }

    @Test
    void aKeyAsTheJdkWritesItStatesNoPointAndIsJudgedByItsScalar() throws Exception {
        ECPrivateKey key = (ECPrivateKey)
                Pem.readPrivateKey(Pem.encode(SERVER.privateKey()).getBytes(StandardCharsets.US_ASCII));
        assertEquals(Optional.empty(), StatedPublicPoint.of(key));
        assertFalse(StatedPublicPoint.isCertificates(key, certified(SERVER)));
        assertEquals(
                Optional.empty(), KeyPossession.mismatch(SERVER.certificate().getPublicKey(), key));
        assertTrue(
                KeyPossession.mismatch(OTHER.certificate().getPublicKey(), key).isPresent());
    }

    @Test
    void anOpensslKeyOfAnotherCertificateIsAMismatch() throws Exception {
        for (ECPrivateKey key : opensslRewritten(OTHER.privateKey())) {
            assertFalse(StatedPublicPoint.isCertificates(key, certified(SERVER)));
            assertEquals(
                    Optional.of("it was made for another certificate"),
                    KeyPossession.mismatch(SERVER.certificate().getPublicKey(), key));
        }
    }

    /** A point that is not the certificate's is never taken for a mismatch: the scalar decides. */
    @Test
    void aStatedPointOfAnotherKeyLeavesTheDecisionToTheScalar() throws Exception {
        ECPrivateKey ownScalarOtherPoint =
                stating(SERVER.privateKey(), OTHER.certificate().getPublicKey());
        assertArrayEquals(
                point(OTHER.certificate().getPublicKey()),
                StatedPublicPoint.of(ownScalarOtherPoint).orElseThrow());
        assertFalse(StatedPublicPoint.isCertificates(ownScalarOtherPoint, certified(SERVER)));
        assertEquals(
                Optional.empty(), KeyPossession.mismatch(SERVER.certificate().getPublicKey(), ownScalarOtherPoint));
    }

    private static ECPublicKey certified(IssuedCertificate issued) {
        return (ECPublicKey) issued.certificate().getPublicKey();
    }

    private static byte[] point(PublicKey key) {
        return SubjectPublicKeyInfo.getInstance(key.getEncoded())
                .getPublicKeyData()
                .getOctets();
    }

    /**
     * The key written by the JDK (no point), then rewritten by {@code openssl ec} as SEC1 "EC PRIVATE KEY" with the
     * point, and by {@code openssl pkcs8} as PKCS#8 (what {@code openssl genpkey} writes); both read back.
     */
    private List<ECPrivateKey> opensslRewritten(PrivateKey key) throws Exception {
        Path jdk = dir.resolve("jdk.key");
        Path sec1 = dir.resolve("sec1.key");
        Path pkcs8 = dir.resolve("pkcs8.key");
        Pem.writeKey(jdk, key);
        OpenSslKeys.sec1(jdk, sec1);
        OpenSslKeys.pkcs8(sec1, pkcs8);
        List<ECPrivateKey> keys = new ArrayList<>();
        for (Path p : List.of(sec1, pkcs8)) {
            keys.add((ECPrivateKey) Pem.readPrivateKey(Files.readAllBytes(p)));
        }
        return keys;
    }

    /** A PKCS#8 key with {@code key}'s scalar that states {@code statedKey}'s point, read back through {@link Pem}. */
    private static ECPrivateKey stating(PrivateKey key, PublicKey statedKey) throws Exception {
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
        var sec1 = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
        var lying = new org.bouncycastle.asn1.sec.ECPrivateKey(
                256, sec1.getKey(), new DERBitString(point(statedKey)), sec1.getParametersObject());
        byte[] der = new PrivateKeyInfo(info.getPrivateKeyAlgorithm(), lying).getEncoded();
        String pem = Pem.encode(new PemObject("PRIVATE KEY", der));
        return (ECPrivateKey) Pem.readPrivateKey(pem.getBytes(StandardCharsets.US_ASCII));
    }
}
