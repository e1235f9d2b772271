package io.mtlsproxy.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ConfigError;
import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.config.KeyMaterial;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.certs.Pkcs12;
import io.mtlsproxy.core.testing.OpenSslKeys;
import io.mtlsproxy.core.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.RSAPrivateCrtKey;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.OutputEncryptor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator points a listener at the wrong files: every mistake is caught at load and reported at the line
 * of the key that named the file, saying what was expected.
 */
class CertificateLoaderTest {
    @TempDir
    static Path dir;

    static TestPki.Ca ca;
    static TestPki.Leaf server;
    static TestPki.Leaf other;

    @BeforeAll
    static void pki() {
        ca = new TestPki(dir).ca("servers");
        server = ca.server("proxy.example.com");
        other = ca.server("other.example.com");
    }

    private static ConfigError onlyError(KeyMaterial material) {
        ConfigException e = assertThrows(ConfigException.class, () -> CertificateLoader.load(material));
        assertEquals(1, e.errors().size(), e::getMessage);
        return e.errors().get(0);
    }

    @Test
    void aGoodPemPairLoadsWithItsChain() throws Exception {
        LoadedKey key = CertificateLoader.load(TestConfigs.pem("public", 0, server));
        assertEquals(server.issued().certificate(), key.leaf());
        assertEquals(server.certFile(), key.certificateFile().path());
    }

    @Test
    void pkcs1RsaAndSec1EcKeysLoadToo() throws Exception {
        TestPki.Leaf rsa = ca.leaf(
                "rsa",
                CertificateSpec.server("rsa.example.com")
                        .keyAlgorithm(KeyAlgorithm.RSA_2048)
                        .build());
        Path pkcs1 = dir.resolve("rsa-pkcs1.key");
        write(pkcs1, new KeyPair(null, rsa.issued().privateKey())); // JcaPEMWriter: "RSA PRIVATE KEY"
        assertTrue(rsa.issued().privateKey() instanceof RSAPrivateCrtKey);
        CertificateLoader.load(TestConfigs.pem("public", 0, rsa.certFile(), pkcs1));

        // SEC1 as operators have it: written by openssl (with the public key inside)
        Path sec1 = OpenSslKeys.sec1(server.keyFile(), dir.resolve("ec-sec1.key"));
        CertificateLoader.load(TestConfigs.pem("public", 0, server.certFile(), sec1));
    }

    @Test
    void aPemWithoutACertificateNamesTheCertKeyAndItsLine() throws Exception {
        ConfigError e = onlyError(TestConfigs.pem("public", 0, server.keyFile(), server.keyFile()));
        assertEquals(
                "proxy.conf:10: listeners.public.tls.certificates[0].cert: no certificate in " + server.keyFile()
                        + " (expected: at least one PEM \"BEGIN CERTIFICATE\" block)",
                e.toString());
    }

    @Test
    void aKeyFileWithoutAKeyIsReportedAtTheKeyLine() throws Exception {
        ConfigError e = onlyError(TestConfigs.pem("public", 0, server.certFile(), server.certFile()));
        assertEquals(11, e.source().line());
        assertEquals("listeners.public.tls.certificates[0].key", e.key());
        assertTrue(e.message().startsWith("no private key in "), e.message());
    }

    @Test
    void aMissingFileSaysWhichPath() {
        Path missing = dir.resolve("nope.crt");
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> CertificateLoader.load(TestConfigs.pem("public", 0, missing, dir.resolve("nope.key"))));
        assertEquals(2, e.errors().size(), "both files are reported in one run");
        assertEquals(
                "proxy.conf:10: listeners.public.tls.certificates[0].cert: file not found: " + missing,
                e.errors().get(0).toString());
    }

    @Test
    void aKeyOfAnotherCertificateIsAMismatch() {
        ConfigError e = onlyError(TestConfigs.pem("public", 0, server.certFile(), other.keyFile()));
        assertEquals("proxy.conf:11: listeners.public.tls.certificates[0].key", e.source() + ": " + e.key());
        assertTrue(e.message().contains("does not match the certificate CN=proxy.example.com"), e.message());
    }

    /** openssl writes the public point into the key file: a point that is not the certificate's is still a mismatch. */
    @Test
    void anOpensslWrittenKeyOfAnotherCertificateIsAMismatch() throws Exception {
        Path otherKey = OpenSslKeys.sec1(other.keyFile(), dir.resolve("other-sec1.key"));
        ConfigError e = onlyError(TestConfigs.pem("public", 0, server.certFile(), otherKey));
        assertEquals("proxy.conf:11: listeners.public.tls.certificates[0].key", e.source() + ": " + e.key());
        assertTrue(e.message().contains("does not match the certificate CN=proxy.example.com"), e.message());
        assertTrue(e.message().endsWith("it was made for another certificate"), e.message());
    }

    @Test
    void anRsaKeyForAnEcCertificateIsAMismatch() {
        TestPki.Leaf rsa = ca.leaf(
                "rsa2",
                CertificateSpec.server("rsa2")
                        .keyAlgorithm(KeyAlgorithm.RSA_2048)
                        .build());
        ConfigError e = onlyError(TestConfigs.pem("public", 0, server.certFile(), rsa.keyFile()));
        assertTrue(e.message().contains("the key is RSA but the certificate's key is EC"), e.message());
    }

    @Test
    void anEncryptedKeyIsRefusedWithTheWayOut() throws Exception {
        Path encrypted = dir.resolve("encrypted.key");
        OutputEncryptor enc = new JceOpenSSLPKCS8EncryptorBuilder(PKCSObjectIdentifiers.pbeWithSHAAnd3_KeyTripleDES_CBC)
                .setPassword("secret".toCharArray())
                .build();
        write(encrypted, new JcaPKCS8Generator(server.issued().privateKey(), enc));
        ConfigError e = onlyError(TestConfigs.pem("public", 0, server.certFile(), encrypted));
        assertEquals(11, e.source().line());
        assertTrue(e.message().contains("encrypted"), e.message());
        assertTrue(e.message().contains("keystore-password"), "says what to do instead: " + e.message());
    }

    @Test
    void aPkcs12KeystoreLoadsWithItsPassword() throws Exception {
        Path p12 = dir.resolve("server.p12");
        Files.write(p12, Pkcs12.encode(server.issued(), "changeit".toCharArray()));
        LoadedKey key = CertificateLoader.load(TestConfigs.pkcs12("public", 0, p12, "changeit"));
        assertEquals(server.issued().certificate(), key.leaf());
    }

    @Test
    void aWrongPkcs12PasswordIsReportedAtTheKeystoreLine() throws Exception {
        Path p12 = dir.resolve("server2.p12");
        Files.write(p12, Pkcs12.encode(server.issued(), "changeit".toCharArray()));
        ConfigError e = onlyError(TestConfigs.pkcs12("public", 0, p12, "wrong"));
        assertEquals(
                "proxy.conf:10: listeners.public.tls.certificates[0].keystore: cannot open keystore " + p12
                        + ": wrong or missing keystore-password",
                e.toString());
    }

    private static void write(Path file, Object pem) throws Exception {
        try (JcaPEMWriter w = new JcaPEMWriter(Files.newBufferedWriter(file))) {
            w.writeObject(pem);
        }
    }
}
