package io.mtlsproxy.core.revocation;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * One OCSP question about one certificate (RFC 6960): the request for {@code (certificate, issuer)} POSTed to the
 * responder, and the answer verified before anyone uses it. A response counts only when it is signed by the issuer
 * itself or by a responder certificate that the issuer signed for OCSP signing (id-kp-OCSPSigning), names the
 * certificate asked about, and is within its validity window; anything else is an error, never a status.
 * Blocking (network): run it off the event loops.
 */
public final class OcspQuery {
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** a responder's clock may be this far ahead of ours */
    private static final Duration SKEW = Duration.ofMinutes(5);

    private OcspQuery() {}

    /** The responder: {@code override} when configured, else the certificate's AIA OCSP URL (http only). */
    public static Optional<URI> responder(X509Certificate certificate, Optional<URI> override) {
        if (override.isPresent()) {
            return override;
        }
        byte[] ext = certificate.getExtensionValue(Extension.authorityInfoAccess.getId());
        if (ext == null) {
            return Optional.empty();
        }
        try {
            AuthorityInformationAccess aia = AuthorityInformationAccess.getInstance(
                    org.bouncycastle.asn1.ASN1OctetString.getInstance(ext).getOctets());
            for (AccessDescription d : aia.getAccessDescriptions()) {
                GeneralName where = d.getAccessLocation();
                if (d.getAccessMethod().equals(AccessDescription.id_ad_ocsp)
                        && where.getTagNo() == GeneralName.uniformResourceIdentifier) {
                    URI uri = URI.create(
                            ASN1IA5String.getInstance(where.getName()).getString());
                    if ("http".equals(uri.getScheme()) && uri.getHost() != null) {
                        return Optional.of(uri);
                    }
                }
            }
        } catch (RuntimeException e) {
            return Optional.empty(); // an unreadable AIA is as good as none
        }
        return Optional.empty();
    }

    /** Asks {@code responder} about {@code certificate}; an IOException says why no verified answer was had. */
    public static OcspAnswer ask(URI responder, X509Certificate certificate, X509Certificate issuer)
            throws IOException {
        try {
            CertificateID id = certificateId(certificate, issuer);
            byte[] request = new OCSPReqBuilder().addRequest(id).build().getEncoded();
            byte[] body = HttpGet.post(responder, "application/ocsp-request", request, TIMEOUT);
            return verify(body, id, issuer, Instant.now());
        } catch (OCSPException | CertificateException | OperatorCreationException | RuntimeException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    static CertificateID certificateId(X509Certificate certificate, X509Certificate issuer)
            throws OCSPException, CertificateException, OperatorCreationException {
        DigestCalculatorProvider digests = new JcaDigestCalculatorProviderBuilder().build();
        return new CertificateID(
                digests.get(CertificateID.HASH_SHA1),
                new JcaX509CertificateHolder(issuer),
                certificate.getSerialNumber());
    }

    static OcspAnswer verify(byte[] body, CertificateID id, X509Certificate issuer, Instant now)
            throws IOException, OCSPException, CertificateException, OperatorCreationException {
        OCSPResp resp = new OCSPResp(body);
        if (resp.getStatus() != OCSPResp.SUCCESSFUL) {
            throw new IOException("the responder answered status " + resp.getStatus() + " (not successful)");
        }
        if (!(resp.getResponseObject() instanceof BasicOCSPResp basic)) {
            throw new IOException("not a basic OCSP response");
        }
        if (!signedByIssuerOrItsResponder(basic, issuer, now)) {
            throw new IOException("the response is not signed by the issuer or an OCSP signer it certified");
        }
        for (SingleResp single : basic.getResponses()) {
            if (!single.getCertID().equals(id)) {
                continue;
            }
            Instant thisUpdate = single.getThisUpdate().toInstant();
            Optional<Instant> nextUpdate =
                    Optional.ofNullable(single.getNextUpdate()).map(java.util.Date::toInstant);
            if (thisUpdate.isAfter(now.plus(SKEW))) {
                throw new IOException("the response's thisUpdate " + thisUpdate + " is in the future");
            }
            if (nextUpdate.isPresent() && !now.isBefore(nextUpdate.get())) {
                throw new IOException("the response is past its nextUpdate " + nextUpdate.get());
            }
            Object status = single.getCertStatus();
            OcspAnswer.Status s = status == null
                    ? OcspAnswer.Status.GOOD // CertificateStatus.GOOD is null in BouncyCastle
                    : status instanceof RevokedStatus ? OcspAnswer.Status.REVOKED : OcspAnswer.Status.UNKNOWN;
            return new OcspAnswer(s, thisUpdate, nextUpdate, resp.getEncoded());
        }
        BigInteger serial = id.getSerialNumber();
        throw new IOException("the response says nothing about serial " + serial.toString(16));
    }

    private static boolean signedByIssuerOrItsResponder(BasicOCSPResp basic, X509Certificate issuer, Instant now)
            throws OCSPException, OperatorCreationException, CertificateException {
        if (basic.isSignatureValid(verifier(issuer))) {
            return true;
        }
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        for (X509CertificateHolder holder : basic.getCerts()) {
            X509Certificate signer = converter.getCertificate(holder);
            if (delegatedBy(signer, issuer, now) && basic.isSignatureValid(verifier(signer))) {
                return true;
            }
        }
        return false;
    }

    /** A responder certificate the issuer signed, valid now, for OCSP signing only (RFC 6960 4.2.2.2). */
    private static boolean delegatedBy(X509Certificate signer, X509Certificate issuer, Instant now) {
        try {
            signer.verify(issuer.getPublicKey());
            signer.checkValidity(java.util.Date.from(now));
            List<String> purposes = signer.getExtendedKeyUsage();
            return purposes != null && purposes.contains(KeyPurposeId.id_kp_OCSPSigning.getId());
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }

    private static ContentVerifierProvider verifier(X509Certificate certificate) throws OperatorCreationException {
        return new JcaContentVerifierProviderBuilder().build(certificate.getPublicKey());
    }
}
