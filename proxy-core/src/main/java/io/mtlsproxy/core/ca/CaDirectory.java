package io.mtlsproxy.core.ca;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.certs.CertificateDescription;
import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.certs.PkiException;
import io.mtlsproxy.core.certs.PkiFiles;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CRLException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A CA kept in a directory, as {@code pki init-ca} makes it and the other {@code pki} commands use it:
 * <pre>
 *   ca.crt         the CA certificate (0644)
 *   ca.key         its private key (0600)
 *   chain.pem      only for an intermediate CA: its issuers, nearest first, up to and including the root
 *   crl.pem        the CRL, from the first {@code pki revoke} on
 *   issued/S.pem   a copy of every certificate this CA signed, by lowercase hex serial (an audit trail)
 * </pre>
 */
public final class CaDirectory {
    public static final String CERT_FILE = "ca.crt";
    public static final String KEY_FILE = "ca.key";
    public static final String CHAIN_FILE = "chain.pem";
    public static final String CRL_FILE = "crl.pem";
    public static final String ISSUED_DIR = "issued";

    /** How far thisUpdate is backdated, so that a verifier whose clock runs slow does not see a future CRL. */
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

    private final Path dir;
    private final CertificateAuthority authority;

    private CaDirectory(Path dir, CertificateAuthority authority) {
        this.dir = requireNonNull(dir, "dir");
        this.authority = requireNonNull(authority, "authority");
    }

    /**
     * Writes a new CA into {@code dir}: the key first, the certificate last. Refuses to replace an existing CA
     * unless {@code replace}; replacing also removes the old CA's {@code crl.pem} and {@code chain.pem}, which
     * the new key could not extend.
     */
    public static CaDirectory create(Path dir, CertificateAuthority ca, boolean replace)
            throws IOException, PkiException {
        Path cert = dir.resolve(CERT_FILE);
        Path key = dir.resolve(KEY_FILE);
        if (!replace) {
            requireVacant(dir);
        }
        Files.createDirectories(dir);
        Files.deleteIfExists(dir.resolve(CRL_FILE));
        Files.deleteIfExists(dir.resolve(CHAIN_FILE));
        Pem.writeKey(key, ca.privateKey());
        if (!ca.issuers().isEmpty()) {
            Pem.writePublic(dir.resolve(CHAIN_FILE), ca.issuers());
        }
        Pem.writePublic(cert, ca.certificate());
        return new CaDirectory(dir, ca);
    }

    /** Refuses a directory that already holds a CA: replacing one is never done by accident. */
    public static void requireVacant(Path dir) throws PkiException {
        if (Files.exists(dir.resolve(CERT_FILE)) || Files.exists(dir.resolve(KEY_FILE))) {
            throw new PkiException(dir + ": a CA is already there (" + CERT_FILE + "/" + KEY_FILE
                    + "); refusing to replace it (use --force to start a new CA)");
        }
    }

    /** Loads the CA of {@code dir}, checking that the key is the certificate's and that it is a CA at all. */
    public static CaDirectory open(Path dir) throws IOException, PkiException {
        if (!Files.isDirectory(dir)) {
            throw new PkiException(dir + ": no such directory (expected: a CA directory made by pki init-ca)");
        }
        Path certFile = dir.resolve(CERT_FILE);
        Path keyFile = dir.resolve(KEY_FILE);
        for (Path f : List.of(certFile, keyFile)) {
            if (!Files.isRegularFile(f)) {
                throw new PkiException(dir + ": no " + f.getFileName()
                        + " (expected: a CA directory made by pki init-ca, with ca.crt and ca.key)");
            }
        }
        X509Certificate cert = PkiFiles.firstCertificate(certFile);
        if (cert.getBasicConstraints() < 0) {
            throw new PkiException(
                    certFile + ": " + cert.getSubjectX500Principal().getName()
                            + " is not a CA certificate (expected: basicConstraints CA:TRUE)");
        }
        PrivateKey key = PkiFiles.privateKey(keyFile);
        if (!KeyAlgorithm.isPair(cert.getPublicKey(), key)) {
            throw new PkiException(keyFile + " does not match " + certFile + " (expected: the CA's own key)");
        }
        return new CaDirectory(dir, new CertificateAuthority(cert, key, issuersOf(dir, cert)));
    }

    /** For an intermediate: chain.pem, which must lead to a self-signed root, or the bundles would be short. */
    private static List<X509Certificate> issuersOf(Path dir, X509Certificate cert) throws IOException, PkiException {
        Path chainFile = dir.resolve(CHAIN_FILE);
        boolean selfSigned = cert.getSubjectX500Principal().equals(cert.getIssuerX500Principal());
        if (!Files.exists(chainFile)) {
            if (!selfSigned) {
                throw new PkiException(dir + ": " + CERT_FILE + " is an intermediate CA but there is no " + CHAIN_FILE
                        + " (expected: its issuers, nearest first, up to and including the root)");
            }
            return List.of();
        }
        List<X509Certificate> chain = PkiFiles.certificates(chainFile);
        X509Certificate last = chain.isEmpty() ? null : chain.get(chain.size() - 1);
        if (last == null || !last.getSubjectX500Principal().equals(last.getIssuerX500Principal())) {
            throw new PkiException(chainFile + ": expected the issuers of " + CERT_FILE
                    + ", nearest first, up to and including the self-signed root");
        }
        return chain;
    }

    public Path dir() {
        return dir;
    }

    public CertificateAuthority authority() {
        return authority;
    }

    public Path certFile() {
        return dir.resolve(CERT_FILE);
    }

    public Path keyFile() {
        return dir.resolve(KEY_FILE);
    }

    /** Where {@code pki revoke} keeps the CRL unless told otherwise. */
    public Path crlFile() {
        return dir.resolve(CRL_FILE);
    }

    /** What a peer presents: the leaf, then this CA and any intermediate above it, never the root. */
    public List<X509Certificate> bundle(X509Certificate leaf) {
        List<X509Certificate> bundle = new ArrayList<>();
        bundle.add(leaf);
        bundle.addAll(authority.intermediates());
        return bundle;
    }

    /** Keeps a copy of a certificate this CA signed as {@code issued/SERIAL.pem} (0644). */
    public Path record(X509Certificate issued) throws IOException {
        Path file =
                dir.resolve(ISSUED_DIR).resolve(CertificateDescription.serialHex(issued.getSerialNumber()) + ".pem");
        Pem.writePublic(file, issued);
        return file;
    }

    /** Refuses a certificate this CA did not sign; {@code source} names where it came from in the message. */
    public void requireIssued(X509Certificate candidate, Object source) throws PkiException {
        if (!authority.isIssuerOf(candidate)) {
            throw new PkiException(source + ": "
                    + candidate.getSubjectX500Principal().getName()
                    + " was issued by " + candidate.getIssuerX500Principal().getName() + ", not by this CA ("
                    + authority.certificate().getSubjectX500Principal().getName() + ")");
        }
    }

    /**
     * Adds the certificates to the CRL at {@code crlFile} (creating it when absent) and re-signs it with every
     * earlier entry kept, a fresh thisUpdate, nextUpdate {@code nextUpdateIn} from now and the next cRLNumber.
     * With no certificates this just re-signs: a CRL must be re-published before its nextUpdate passes, or
     * verifiers that require a current CRL reject every client.
     */
    public CrlUpdate revoke(
            Path crlFile,
            List<X509Certificate> certificates,
            RevocationReason reason,
            Instant now,
            Duration nextUpdateIn)
            throws IOException, PkiException {
        for (X509Certificate c : certificates) {
            requireIssued(c, c.getSubjectX500Principal().getName());
        }
        Instant at = now.truncatedTo(ChronoUnit.SECONDS);
        Map<BigInteger, Revocation> entries = new LinkedHashMap<>();
        BigInteger number = BigInteger.ONE;
        X509CRL previous = readOwnCrl(crlFile);
        if (previous != null) {
            CrlDescription old = CrlDescription.of(previous);
            old.entries().forEach(e -> entries.put(e.serial(), e));
            number = old.number().map(n -> n.add(BigInteger.ONE)).orElse(BigInteger.ONE);
        }
        List<BigInteger> added = new ArrayList<>();
        List<BigInteger> already = new ArrayList<>();
        for (X509Certificate c : certificates) {
            BigInteger serial = c.getSerialNumber();
            if (entries.containsKey(serial)) {
                already.add(serial); // keep the first revocation date and reason
            } else {
                entries.put(serial, new Revocation(serial, at, reason));
                added.add(serial);
            }
        }
        X509CRL crl = authority.crl(List.copyOf(entries.values()), at.minus(CLOCK_SKEW), at.plus(nextUpdateIn), number);
        Pem.writePublic(crlFile, crl);
        return new CrlUpdate(crlFile, crl, CrlDescription.of(crl), added, already);
    }

    /** What {@link #revoke} did: the CRL written, and which serials were new or already listed. */
    public record CrlUpdate(
            Path file,
            X509CRL crl,
            CrlDescription description,
            List<BigInteger> added,
            List<BigInteger> alreadyRevoked) {
        public CrlUpdate {
            added = List.copyOf(added);
            alreadyRevoked = List.copyOf(alreadyRevoked);
        }
    }

    /** The CRL at {@code file}, which must be this CA's own (re-signing another issuer's entries would forge). */
    private X509CRL readOwnCrl(Path file) throws IOException, PkiException {
        if (!Files.exists(file)) {
            return null;
        }
        List<X509CRL> crls;
        try {
            crls = Pem.readCrls(Files.readAllBytes(file));
        } catch (CRLException e) {
            throw new PkiException(file + ": " + e.getMessage() + " (expected: a PEM or DER CRL)");
        }
        if (crls.size() != 1) {
            throw new PkiException(file + ": " + crls.size() + " CRLs (expected: exactly one, this CA's)");
        }
        X509CRL crl = crls.get(0);
        try {
            crl.verify(authority.certificate().getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new PkiException(
                    file + ": a CRL of " + crl.getIssuerX500Principal().getName()
                            + " not signed by this CA (expected: this CA's CRL, or no file to start a new one)");
        }
        return crl;
    }
}
