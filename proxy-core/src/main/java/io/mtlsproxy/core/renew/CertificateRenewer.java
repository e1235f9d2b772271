package io.mtlsproxy.core.renew;

import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.certs.PkiException;
import io.mtlsproxy.core.certs.PkiFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.locks.Lock;

/**
 * One renewal attempt, start to end: a fresh key and CSR, the issuer's chain, the proof of that chain, then the
 * key and the certificate written, each by atomic rename, key first, both under the proxy's reload lock (a reload
 * between the two renames would see the new key beside the old certificate and fail). Nothing is written until the
 * chain is proven, so a failed attempt leaves the files and the running certificate as they were.
 */
final class CertificateRenewer {
    private CertificateRenewer() {}

    /**
     * @param filesLock held while the key and certificate are replaced: the running proxy's reload lock, so that no
     *     reload reads the new key beside the old certificate (it would fail, and be counted as a failed reload)
     * @return the new leaf; with {@code dryRun} it is proven but nothing is written
     */
    static X509Certificate renew(RenewalTarget target, Issuer issuer, boolean dryRun, Lock filesLock)
            throws IssueException {
        X509Certificate previous = current(target);
        CsrBuilder.Pending pending = CsrBuilder.build(target.usage(), target.owner(), previous, target.spec());
        List<X509Certificate> chain = issuer.issue(pending.request());
        boolean namesFromPrevious =
                target.spec().dnsSans().isEmpty() && target.spec().uriSans().isEmpty();
        ChainCheck.verify(
                chain,
                pending.keys().getPublic(),
                pending.request(),
                previous,
                namesFromPrevious,
                issuer.trustAnchors(),
                Instant.now());
        if (!dryRun) {
            filesLock.lock();
            try {
                write(target, pending, chain);
            } finally {
                filesLock.unlock();
            }
        }
        return chain.get(0);
    }

    /** The certificate on disk now: what the new one must cover. */
    static X509Certificate current(RenewalTarget target) throws IssueException {
        try {
            return PkiFiles.firstCertificate(target.certFile());
        } catch (IOException | PkiException e) {
            throw new IssueException(
                    "cannot read the current certificate " + target.certFile() + ": " + e.getMessage(), e);
        }
    }

    private static void write(RenewalTarget target, CsrBuilder.Pending pending, List<X509Certificate> chain)
            throws IssueException {
        byte[] oldKey;
        try {
            oldKey = Files.readAllBytes(target.keyFile());
        } catch (IOException e) {
            throw new IssueException("cannot read " + target.keyFile() + " before replacing it: " + e.getMessage(), e);
        }
        try {
            Pem.writeKey(target.keyFile(), pending.keys().getPrivate());
        } catch (IOException e) {
            throw new IssueException("cannot write " + target.keyFile() + ": " + e.getMessage(), e);
        }
        try {
            Pem.writePublic(target.certFile(), chain.toArray());
        } catch (IOException e) {
            restore(target, oldKey);
            throw new IssueException(
                    "cannot write " + target.certFile() + ": " + e.getMessage() + " (the previous key was put back)",
                    e);
        }
    }

    /** Puts the old key back when the certificate could not be written, so key and certificate still match. */
    private static void restore(RenewalTarget target, byte[] oldKey) {
        try {
            var tmp = Files.createTempFile(target.keyFile().getParent(), ".restore-", ".key");
            Files.write(tmp, oldKey);
            Files.move(tmp, target.keyFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            // the files disagree now; the running proxy keeps its pair, and the next attempt writes both again
        }
    }
}
