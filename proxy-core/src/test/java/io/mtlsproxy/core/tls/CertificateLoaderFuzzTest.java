package io.mtlsproxy.core.tls;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mtlsproxy.config.ConfigError;
import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.config.FileRef;
import io.mtlsproxy.config.KeyMaterial;
import io.mtlsproxy.config.Source;
import io.mtlsproxy.core.ca.CertificateAuthority;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.certs.IssuedCertificate;
import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.certs.Pkcs12;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes the listener and origin certificate loader ({@link CertificateLoader}: PEM certificate chains and keys,
 * PKCS#12 keystores) with what an operator's files may hold: any bytes, or a real certificate, key or keystore
 * with bytes cut out and others spliced in. Whatever the files hold, the loader returns a key with its chain or
 * throws a {@link ConfigException} whose every error names the configuration key and its {@code FILE:LINE}; any
 * other exception would end a reload with a stack trace instead of a message. The real material is made when the
 * class loads (no private key is committed); the committed inputs are recipes of cuts and splices.
 */
class CertificateLoaderFuzzTest {
    private static final Source SOURCE = new Source("fuzz.conf", 7);
    private static final String PASSWORD = "changeit";
    private static final byte[] CERT_PEM;
    private static final byte[] KEY_PEM;
    private static final byte[] KEYSTORE;
    /** JUnit's, so that it is deleted after the run (a directory of our own was left in /tmp by every run) */
    @TempDir
    static Path dir;

    static {
        try {
            CertificateAuthority ca =
                    CertificateAuthority.createRoot("fuzz-ca", Duration.ofDays(1), KeyAlgorithm.EC_P256);
            IssuedCertificate issued = new IssuedCertificate(ca.certificate(), ca.privateKey(), java.util.List.of());
            CERT_PEM = Pem.encode(ca.certificate()).getBytes(StandardCharsets.US_ASCII);
            KEY_PEM = Pem.encode(ca.privateKey()).getBytes(StandardCharsets.US_ASCII);
            KEYSTORE = Pkcs12.encode(issued, PASSWORD.toCharArray());
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @FuzzTest
    void files(FuzzedDataProvider data) throws IOException {
        int mode = data.consumeInt(0, 3);
        KeyMaterial material;
        if (mode < 2) {
            byte[] cert = mode == 0 ? data.consumeBytes(4096) : splice(CERT_PEM, data);
            byte[] key = mode == 0 ? data.consumeRemainingAsBytes() : splice(KEY_PEM, data);
            material = KeyMaterial.pem(
                    ref(write("cert.pem", cert), "tls.cert"), ref(write("key.pem", key), "tls.key"), "tls", SOURCE);
        } else {
            byte[] store = mode == 2 ? data.consumeRemainingAsBytes() : splice(KEYSTORE, data);
            material = KeyMaterial.pkcs12(
                    ref(write("store.p12", store), "tls.keystore"), Optional.of(PASSWORD), "tls", SOURCE);
        }
        try {
            LoadedKey loaded = CertificateLoader.load(material);
            assertNotNull(loaded.privateKey());
            assertFalse(loaded.chain().isEmpty(), "a key comes with its certificate");
        } catch (ConfigException e) {
            assertFalse(e.errors().isEmpty());
            for (ConfigError err : e.errors()) {
                assertTrue(err.toString().startsWith("fuzz.conf:7: tls."), "FILE:LINE: key: message, not " + err);
            }
        }
    }

    /** {@code real} with a run of its bytes replaced by the fuzzer's: near-valid material reaches deep. */
    private static byte[] splice(byte[] real, FuzzedDataProvider data) {
        int at = data.consumeInt(0, real.length);
        int cut = data.consumeInt(0, real.length - at);
        byte[] insert = data.consumeBytes(data.consumeInt(0, 64));
        byte[] out = new byte[real.length - cut + insert.length];
        System.arraycopy(real, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(real, at + cut, out, at + insert.length, real.length - at - cut);
        return out;
    }

    private static Path write(String name, byte[] content) {
        try {
            return Files.write(dir.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static FileRef ref(Path path, String key) {
        return new FileRef(path, key, SOURCE);
    }
}
