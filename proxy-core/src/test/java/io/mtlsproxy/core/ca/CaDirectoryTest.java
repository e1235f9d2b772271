package io.mtlsproxy.core.ca;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.core.certs.IssuedCertificate;
import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.certs.PkiException;
import io.mtlsproxy.core.certs.PkiFiles;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class CaDirectoryTest {
    @TempDir
    Path tmp;

    private static CertificateAuthority root(String cn) {
        return CertificateAuthority.createRoot(cn, Duration.ofDays(30), KeyAlgorithm.EC_P256);
    }

    @Test
    void writesAndReopensACa() throws Exception {
        Path dir = tmp.resolve("ca");
        CertificateAuthority ca = root("Edge CA");
        CaDirectory.create(dir, ca, false);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.key"))));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.crt"))));

        CaDirectory opened = CaDirectory.open(dir);
        assertEquals(ca.certificate(), opened.authority().certificate());
        assertTrue(opened.authority()
                .isIssuerOf(opened.authority()
                        .issue(CertificateSpec.client("c").build())
                        .certificate()));
    }

    @Test
    void neverReplacesACaByAccident() throws Exception {
        Path dir = tmp.resolve("ca");
        CaDirectory.create(dir, root("First"), false);
        PkiException e = assertThrows(PkiException.class, () -> CaDirectory.create(dir, root("Second"), false));
        assertTrue(e.getMessage().contains("refusing to replace it"), e.getMessage());
        assertEquals(
                "CN=First",
                CaDirectory.open(dir)
                        .authority()
                        .certificate()
                        .getSubjectX500Principal()
                        .getName());

        CaDirectory first = CaDirectory.open(dir);
        first.revoke(first.crlFile(), List.of(), RevocationReason.UNSPECIFIED, Instant.now(), Duration.ofDays(1));
        CaDirectory.create(dir, root("Second"), true);
        assertFalse(Files.exists(dir.resolve("crl.pem")), "the old CA's CRL goes with it");
        assertEquals(
                "CN=Second",
                CaDirectory.open(dir)
                        .authority()
                        .certificate()
                        .getSubjectX500Principal()
                        .getName());
    }

    @Test
    void explainsWhatIsMissingOrWrong() throws Exception {
        assertMessage("no such directory", () -> CaDirectory.open(tmp.resolve("absent")));
        Path dir = tmp.resolve("ca");
        CaDirectory.create(dir, root("CA"), false);
        Files.delete(dir.resolve("ca.key"));
        assertMessage("no ca.key", () -> CaDirectory.open(dir));
        Pem.writeKey(dir.resolve("ca.key"), KeyAlgorithm.EC_P256.generate().getPrivate());
        assertMessage("does not match", () -> CaDirectory.open(dir));

        CertificateAuthority other = root("Other");
        IssuedCertificate leaf = other.issue(CertificateSpec.client("leaf").build());
        Pem.writePublic(dir.resolve("ca.crt"), leaf.certificate());
        Pem.writeKey(dir.resolve("ca.key"), leaf.privateKey());
        assertMessage("is not a CA certificate", () -> CaDirectory.open(dir));
    }

    @Test
    void anIntermediateNeedsItsChainAndPutsItInBundles() throws Exception {
        CertificateAuthority rootCa = root("Root");
        CertificateAuthority issuing = rootCa.intermediate(CertificateSpec.intermediateCa("Issuing")
                .validFor(Duration.ofDays(10))
                .build());
        Path dir = tmp.resolve("issuing");
        CaDirectory.create(dir, issuing, false);
        assertEquals(List.of(rootCa.certificate()), PkiFiles.certificates(dir.resolve("chain.pem")));

        CaDirectory opened = CaDirectory.open(dir);
        X509Certificate leaf = opened.authority()
                .issue(CertificateSpec.server("s").dns("s.example").build())
                .certificate();
        assertEquals(List.of(leaf, issuing.certificate()), opened.bundle(leaf));

        Files.delete(dir.resolve("chain.pem"));
        assertMessage("no chain.pem", () -> CaDirectory.open(dir));
    }

    @Test
    void revokeKeepsEntriesAndCountsUp() throws Exception {
        CaDirectory ca = CaDirectory.create(tmp.resolve("ca"), root("CA"), false);
        X509Certificate a =
                ca.authority().issue(CertificateSpec.client("a").build()).certificate();
        X509Certificate b =
                ca.authority().issue(CertificateSpec.client("b").build()).certificate();
        Instant t0 = Instant.now();

        CaDirectory.CrlUpdate first =
                ca.revoke(ca.crlFile(), List.of(a), RevocationReason.KEY_COMPROMISE, t0, Duration.ofDays(7));
        assertEquals(List.of(a.getSerialNumber()), first.added());
        assertEquals(BigInteger.ONE, first.description().number().orElseThrow());

        CaDirectory.CrlUpdate second = ca.revoke(
                ca.crlFile(), List.of(a, b), RevocationReason.SUPERSEDED, t0.plusSeconds(90), Duration.ofDays(3));
        assertEquals(List.of(b.getSerialNumber()), second.added());
        assertEquals(List.of(a.getSerialNumber()), second.alreadyRevoked());
        CrlDescription d =
                CrlDescription.of(Pem.readCrls(Files.readAllBytes(ca.crlFile())).get(0));
        assertEquals(BigInteger.TWO, d.number().orElseThrow());
        assertEquals(2, d.entries().size());
        assertEquals(RevocationReason.KEY_COMPROMISE, d.entries().get(0).reason(), "first revocation kept");
        assertTrue(d.thisUpdate().isAfter(first.description().thisUpdate()));
        assertTrue(d.thisUpdate().isBefore(t0.plusSeconds(90)), "backdated for slow clocks");
        assertEquals(
                t0.plusSeconds(90).plus(Duration.ofDays(3)).getEpochSecond(),
                d.nextUpdate().orElseThrow().getEpochSecond());
        ca.authority().certificate().verify(ca.authority().certificate().getPublicKey());
    }

    @Test
    void revokeRefusesForeignCertificatesAndCrls() throws Exception {
        CaDirectory ca = CaDirectory.create(tmp.resolve("ca"), root("CA"), false);
        CertificateAuthority sameName = root("CA");
        X509Certificate foreign =
                sameName.issue(CertificateSpec.client("x").build()).certificate();
        assertMessage(
                "not by this CA",
                () -> ca.revoke(
                        ca.crlFile(),
                        List.of(foreign),
                        RevocationReason.UNSPECIFIED,
                        Instant.now(),
                        Duration.ofDays(1)));
        assertFalse(Files.exists(ca.crlFile()));

        Pem.writePublic(
                ca.crlFile(),
                sameName.crl(java.util.Map.of(), Instant.now(), Instant.now().plusSeconds(60)));
        assertMessage(
                "not signed by this CA",
                () -> ca.revoke(
                        ca.crlFile(), List.of(), RevocationReason.UNSPECIFIED, Instant.now(), Duration.ofDays(1)));
    }

    @Test
    void recordsIssuedCertificatesBySerial() throws Exception {
        CaDirectory ca = CaDirectory.create(tmp.resolve("ca"), root("CA"), false);
        X509Certificate c =
                ca.authority().issue(CertificateSpec.client("c").build()).certificate();
        Path file = ca.record(c);
        assertEquals(tmp.resolve("ca/issued/" + c.getSerialNumber().toString(16) + ".pem"), file);
        assertEquals(c, PkiFiles.firstCertificate(file));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        PkiException e = assertThrows(PkiException.class, call);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
