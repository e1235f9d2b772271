package io.mtlsproxy.core.renew;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.config.ExecIssuerConfig;
import io.mtlsproxy.config.RenewBefore;
import io.mtlsproxy.config.RenewKeyType;
import io.mtlsproxy.config.RenewSpec;
import io.mtlsproxy.config.Source;
import io.mtlsproxy.core.ca.CaDirectory;
import io.mtlsproxy.core.ca.CertificateAuthority;
import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.ca.KeyAlgorithm;
import io.mtlsproxy.core.certs.IssuedCertificate;
import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.certs.PkiFiles;
import io.mtlsproxy.core.certs.SubjectAltName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator's own CA behind a script: the proxy hands it a CSR and takes back only a chain that proves itself.
 * The signing script is real (openssl x509 -req); the broken ones write garbage, hang, fail, or sign another
 * key, and each is refused with the reason in last_error while the files on disk stay exactly as they were.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExecIssuerTest {
    @TempDir
    Path dir;

    private CaDirectory ca;
    private RenewalTarget target;
    private byte[] certBefore;
    private byte[] keyBefore;

    @BeforeEach
    void pkiAndCurrentCertificate() throws Exception {
        ca = CaDirectory.create(
                dir.resolve("ca"),
                CertificateAuthority.createRoot("Ops CA", Duration.ofDays(30), KeyAlgorithm.EC_P256),
                false);
        IssuedCertificate current = ca.authority()
                .issue(CertificateSpec.server("api.example.com")
                        .dns("api.example.com", "www.example.com")
                        .validFor(Duration.ofDays(1))
                        .build());
        Path cert = dir.resolve("api.crt");
        Path key = dir.resolve("api.key");
        Pem.writeKey(key, current.privateKey());
        Pem.writePublic(cert, current.certificate());
        certBefore = Files.readAllBytes(cert);
        keyBefore = Files.readAllBytes(key);
        target = new RenewalTarget(
                "listener-server", "public", cert, key, spec(), config(dir.resolve("sign.sh"), Duration.ofSeconds(20)));
    }

    /** A signing script as an operator would write it: openssl signs the CSR with the test CA (%1$s: its dir). */
    private static final String OPENSSL_SIGNS = """
            #!/bin/sh
            set -e
            printf 'subjectAltName=DNS:api.example.com,DNS:www.example.com\\n' > "$MTLS_PROXY_CHAIN_OUT.ext"
            openssl x509 -req -in "$MTLS_PROXY_CSR" -CA %1$s/ca.crt -CAkey %1$s/ca.key -CAcreateserial \\
                -days 1 -extfile "$MTLS_PROXY_CHAIN_OUT.ext" -out "$MTLS_PROXY_CHAIN_OUT" 2>/dev/null
            """;

    @Test
    void aRealOpensslSigningScriptRenewsTheCertificateWithAFreshKeyAndTheSameNames() throws Exception {
        Path script = script(
                "sign.sh",
                OPENSSL_SIGNS.formatted(ca.dir())
                        + "test \"$MTLS_PROXY_OWNER\" = public && test \"$MTLS_PROXY_USAGE\" = listener-server\n");
        X509Certificate renewed =
                CertificateRenewer.renew(target, issuer(script, Duration.ofSeconds(20)), false, new ReentrantLock());

        X509Certificate onDisk = PkiFiles.firstCertificate(target.certFile());
        assertEquals(renewed, onDisk);
        assertTrue(KeyAlgorithm.isPair(onDisk.getPublicKey(), PkiFiles.privateKey(target.keyFile())));
        assertNotEquals(new String(keyBefore), Files.readString(target.keyFile()), "a fresh key");
        assertEquals(
                List.of("DNS:api.example.com", "DNS:www.example.com"),
                SubjectAltName.of(onDisk).stream().map(Object::toString).toList());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(target.keyFile())));
    }

    @Test
    void whileAReloadHoldsTheLockTheKeyAndCertificateStayAsTheyWereThenBothChangeTogether() throws Exception {
        Path script = script("sign-held.sh", OPENSSL_SIGNS.formatted(ca.dir()));
        ReentrantLock reloading = new ReentrantLock();
        reloading.lock(); // a reload is reading the files
        CompletableFuture<X509Certificate> renewal = CompletableFuture.supplyAsync(() -> {
            try {
                return CertificateRenewer.renew(target, issuer(script, Duration.ofSeconds(20)), false, reloading);
            } catch (IssueException e) {
                throw new IllegalStateException(e);
            }
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!reloading.hasQueuedThreads() && System.nanoTime() < deadline) {
            Thread.sleep(10); // the issuer has answered: the renewal waits to write
        }
        assertTrue(reloading.hasQueuedThreads(), "the renewal waits for the reload");
        assertArrayEquals(keyBefore, Files.readAllBytes(target.keyFile()), "no new key beside the old certificate");
        assertArrayEquals(certBefore, Files.readAllBytes(target.certFile()));
        reloading.unlock();

        X509Certificate renewed = renewal.get(20, TimeUnit.SECONDS);
        assertEquals(renewed, PkiFiles.firstCertificate(target.certFile()));
        assertTrue(KeyAlgorithm.isPair(renewed.getPublicKey(), PkiFiles.privateKey(target.keyFile())));
    }

    @Test
    void garbageInTheChainFileIsRefusedAndNothingChanges() throws Exception {
        Path script = script("garbage.sh", "#!/bin/sh\necho 'not a certificate' > \"$MTLS_PROXY_CHAIN_OUT\"\n");
        IssueException e = assertThrows(
                IssueException.class,
                () -> CertificateRenewer.renew(
                        target, issuer(script, Duration.ofSeconds(20)), false, new ReentrantLock()));
        assertTrue(e.getMessage().contains("holds no readable PEM certificate"), e.getMessage());
        assertFilesUnchanged();
    }

    @Test
    void aHangingCommandIsKilledAtItsTimeoutAndNothingChanges() throws Exception {
        Path script = script("hang.sh", "#!/bin/sh\necho 'waiting for the HSM' >&2\nsleep 60\n");
        long start = System.nanoTime();
        IssueException e = assertThrows(
                IssueException.class,
                () -> CertificateRenewer.renew(
                        target, issuer(script, Duration.ofSeconds(1)), false, new ReentrantLock()));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "killed at its timeout");
        assertTrue(e.getMessage().contains("no answer within 1 s (killed)"), e.getMessage());
        assertTrue(e.getMessage().contains("stderr: waiting for the HSM"), e.getMessage());
        assertFilesUnchanged();
    }

    @Test
    void aNonZeroExitCarriesTheCommandsStderr() throws Exception {
        Path script = script("fail.sh", "#!/bin/sh\necho 'vault: permission denied' >&2\nexit 3\n");
        IssueException e = assertThrows(
                IssueException.class,
                () -> CertificateRenewer.renew(
                        target, issuer(script, Duration.ofSeconds(20)), false, new ReentrantLock()));
        assertTrue(e.getMessage().endsWith("exited 3; stderr: vault: permission denied"), e.getMessage());
        assertFilesUnchanged();
    }

    @Test
    void aCertificateForAnotherKeyIsRefusedAndNothingChanges() throws Exception {
        IssuedCertificate other = ca.authority()
                .issue(CertificateSpec.server("api.example.com")
                        .dns("api.example.com", "www.example.com")
                        .validFor(Duration.ofDays(1))
                        .build());
        Path otherPem = dir.resolve("other.pem");
        Pem.writePublic(otherPem, other.certificate());
        Path script = script("other-key.sh", "#!/bin/sh\ncp " + otherPem + " \"$MTLS_PROXY_CHAIN_OUT\"\n");
        IssueException e = assertThrows(
                IssueException.class,
                () -> CertificateRenewer.renew(
                        target, issuer(script, Duration.ofSeconds(20)), false, new ReentrantLock()));
        assertTrue(e.getMessage().contains("for another key"), e.getMessage());
        assertFilesUnchanged();
    }

    @Test
    void aCertificateThatDropsANameIsRefused() throws Exception {
        Path script = script("narrow.sh", """
                #!/bin/sh
                printf 'subjectAltName=DNS:api.example.com\\n' > "$MTLS_PROXY_CHAIN_OUT.ext"
                openssl x509 -req -in "$MTLS_PROXY_CSR" -CA %1$s/ca.crt -CAkey %1$s/ca.key -CAcreateserial \\
                    -days 1 -extfile "$MTLS_PROXY_CHAIN_OUT.ext" -out "$MTLS_PROXY_CHAIN_OUT" 2>/dev/null
                """.formatted(ca.dir()));
        IssueException e = assertThrows(
                IssueException.class,
                () -> CertificateRenewer.renew(
                        target, issuer(script, Duration.ofSeconds(20)), false, new ReentrantLock()));
        assertTrue(e.getMessage().contains("lacks DNS:www.example.com"), e.getMessage());
        assertFilesUnchanged();
    }

    private void assertFilesUnchanged() throws Exception {
        assertArrayEquals(certBefore, Files.readAllBytes(target.certFile()), "certificate file untouched");
        assertArrayEquals(keyBefore, Files.readAllBytes(target.keyFile()), "key file untouched");
    }

    private Path script(String name, String body) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    private static ExecIssuerConfig config(Path script, Duration timeout) {
        return new ExecIssuerConfig("ops", List.of(script.toString()), timeout, Source.unknown());
    }

    private static Issuer issuer(Path script, Duration timeout) {
        return new ExecIssuer(config(script, timeout));
    }

    private static RenewSpec spec() {
        return new RenewSpec(
                "ops", RenewBefore.DEFAULT, Optional.empty(), Optional.empty(), RenewKeyType.EC_P256, Source.unknown());
    }
}
