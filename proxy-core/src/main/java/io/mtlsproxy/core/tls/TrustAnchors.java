package io.mtlsproxy.core.tls;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.ConfigError;
import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.config.CrlUrl;
import io.mtlsproxy.config.FileRef;
import io.mtlsproxy.core.certs.Pem;
import io.mtlsproxy.core.revocation.CrlFetcher;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CRLException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import javax.security.auth.x500.X500Principal;

/**
 * The CAs a listener trusts for client certificates, or a route trusts for its origin, and the CRLs that go
 * with them. Built once per load by the one trust builder {@link #load}; immutable and shared by every
 * handshake of the SslContexts built from it.
 */
public final class TrustAnchors {
    private static volatile TrustAnchors jdkDefault;

    private final List<X509Certificate> certificates;
    private final Map<X500Principal, List<X509Certificate>> bySubject;
    private final List<X509CRL> crls;
    private final Optional<FileRef> caFile;
    private final Optional<FileRef> crlFile;
    private final Optional<CrlUrl> crlUrl;

    private TrustAnchors(
            List<X509Certificate> certificates,
            List<X509CRL> crls,
            Optional<FileRef> caFile,
            Optional<FileRef> crlFile,
            Optional<CrlUrl> crlUrl) {
        this.certificates = List.copyOf(certificates);
        this.crls = List.copyOf(crls);
        this.caFile = requireNonNull(caFile, "caFile");
        this.crlFile = requireNonNull(crlFile, "crlFile");
        this.crlUrl = requireNonNull(crlUrl, "crlUrl");
        Map<X500Principal, List<X509Certificate>> index = new HashMap<>();
        for (X509Certificate c : certificates) {
            index.computeIfAbsent(c.getSubjectX500Principal(), k -> new ArrayList<>())
                    .add(c);
        }
        index.replaceAll((k, v) -> List.copyOf(v));
        this.bySubject = Map.copyOf(index);
    }

    /**
     * Reads a CA bundle and, optionally, CRLs (PEM with one or several CRLs, or one DER CRL). Each CRL must be
     * signed by a certificate of the bundle: a CRL nobody we trust signed is a configuration mistake (a wrong
     * file), and enforcing it would let whoever wrote it revoke our clients.
     */
    public static TrustAnchors load(FileRef caFile, Optional<FileRef> crlFile) throws ConfigException {
        return load(caFile, crlFile, Optional.empty(), CrlFetcher.once());
    }

    /**
     * As {@link #load(FileRef, Optional)}, or with the CRLs {@code fetcher} holds for a CRL URL (fetched now, on
     * this thread, the first time): the same signer rule applies to them.
     */
    public static TrustAnchors load(
            FileRef caFile, Optional<FileRef> crlFile, Optional<CrlUrl> crlUrl, CrlFetcher fetcher)
            throws ConfigException {
        List<ConfigError> errors = new ArrayList<>();
        List<X509Certificate> cas = List.of();
        try {
            cas = CertificateLoader.readChain(caFile);
        } catch (ConfigException e) {
            errors.addAll(e.errors());
        }
        List<X509CRL> crls = new ArrayList<>();
        if (crlFile.isPresent()) {
            FileRef ref = crlFile.get();
            try {
                crls.addAll(readCrls(ref, cas, errors.isEmpty()));
            } catch (ConfigException e) {
                errors.addAll(e.errors());
            }
        }
        if (crlUrl.isPresent()) {
            CrlUrl url = crlUrl.get();
            try {
                List<X509CRL> fetched = fetcher.ensure(url);
                if (errors.isEmpty()) {
                    errors.addAll(unsigned(fetched, cas, url.url().toString(), url::error));
                }
                crls.addAll(fetched);
            } catch (IOException e) {
                errors.add(url.error(e.getMessage() + " (expected: a CRL served at " + url + ")"));
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return new TrustAnchors(cas, crls, Optional.of(caFile), crlFile, crlUrl);
    }

    /** The JDK's default trust store (cacerts), for routes without trust-ca. Read once per process. */
    public static TrustAnchors jdkDefault() {
        TrustAnchors anchors = jdkDefault;
        if (anchors == null) {
            try {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init((KeyStore) null);
                List<X509Certificate> certs = new ArrayList<>();
                for (TrustManager tm : tmf.getTrustManagers()) {
                    if (tm instanceof X509TrustManager x) {
                        certs.addAll(List.of(x.getAcceptedIssuers()));
                    }
                }
                anchors = new TrustAnchors(certs, List.of(), Optional.empty(), Optional.empty(), Optional.empty());
                jdkDefault = anchors;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot read the JDK default trust store", e);
            }
        }
        return anchors;
    }

    private static List<X509CRL> readCrls(FileRef ref, List<X509Certificate> cas, boolean checkSigners)
            throws ConfigException {
        byte[] content = CertificateLoader.read(ref);
        List<X509CRL> crls;
        try {
            crls = Pem.readCrls(content);
        } catch (CRLException e) {
            throw new ConfigException(ref.error("unreadable CRL in " + ref.path() + ": " + e.getMessage()));
        }
        if (crls.isEmpty()) {
            throw new ConfigException(
                    ref.error("no CRL in " + ref.path() + " (expected: PEM \"BEGIN X509 CRL\" blocks or one DER CRL)"));
        }
        if (checkSigners) {
            List<ConfigError> errors = unsigned(crls, cas, ref.path().toString(), ref::error);
            if (!errors.isEmpty()) {
                throw new ConfigException(errors);
            }
        }
        return crls;
    }

    /** An error for each CRL that no CA of the bundle signed. */
    private static List<ConfigError> unsigned(
            List<X509CRL> crls, List<X509Certificate> cas, String where, Function<String, ConfigError> error) {
        List<ConfigError> errors = new ArrayList<>();
        for (X509CRL crl : crls) {
            if (signerOf(crl, cas) == null) {
                errors.add(
                        error.apply("the CRL of " + crl.getIssuerX500Principal().getName() + " in " + where
                                + " is not signed by any CA of the client-ca bundle (expected: a CRL issued by one of "
                                + "the trusted CAs)"));
            }
        }
        return errors;
    }

    private static X509Certificate signerOf(X509CRL crl, List<X509Certificate> cas) {
        for (X509Certificate ca : cas) {
            if (ca.getSubjectX500Principal().equals(crl.getIssuerX500Principal())) {
                try {
                    crl.verify(ca.getPublicKey());
                    return ca;
                } catch (GeneralSecurityException e) {
                    // another CA with the same name (a renewed CA): try the next one
                }
            }
        }
        return null;
    }

    /** Every certificate of the bundle, in file order. */
    public List<X509Certificate> certificates() {
        return certificates;
    }

    /** Trusted certificates whose subject is the given issuer name (several after a CA renewal). */
    List<X509Certificate> withSubject(X500Principal subject) {
        return bySubject.getOrDefault(subject, List.of());
    }

    public List<X509CRL> crls() {
        return crls;
    }

    public Optional<FileRef> caFile() {
        return caFile;
    }

    public Optional<FileRef> crlFile() {
        return crlFile;
    }

    /** The URL the CRLs (beyond a file's) were fetched from, if any. */
    public Optional<CrlUrl> crlUrl() {
        return crlUrl;
    }
}
