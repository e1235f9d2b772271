package io.mtlsproxy.core.tls;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.config.FileRef;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CRLException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Session-ticket keys shared by a fleet ({@code session-tickets.keys}): nginx's 80-byte keys back to back, the
 * first encrypts, every one decrypts, so a session made on one replica resumes on another and keys rotate by
 * editing the file and reloading (add the new key first; drop the old one once its tickets have expired).
 *
 * <p>Why the keys are not used as they are. Without shared keys, every reload makes new SslContexts with new
 * random keys, so a session never outlives the trust material it was decided under (a client revoked by a new
 * CRL must do a full handshake, and fails it). Keys from a file would outlive reloads and so keep revoked
 * clients' tickets valid. Instead, each listener's BoringSSL keys are derived (HMAC-SHA256) from the file's key
 * <em>and a digest of the listener's trust material</em>: its server certificates, client CAs, CRLs,
 * verify-depth, client-auth and the identity policy of every route on it. A ticket therefore decrypts only
 * where that material is byte-for-byte the same as when it was issued:
 * <ul>
 *   <li>on another replica with the same file and the same material, it resumes (what a fleet wants);</li>
 *   <li>after a reload that changes any of the material (a new CRL, a removed CA, a narrower allow-list), on
 *   this replica or on any replica that has loaded the same change, the derived key name differs, the ticket
 *   is unknown, and the client must make a full handshake where the new material judges it;</li>
 *   <li>a replica that has not reloaded yet still honours the old ticket, but it would also accept the same
 *   client's full handshake: resumption there grants nothing the replica's own material does not.</li>
 * </ul>
 * The derivation is one-way, so learning a derived key (a memory dump of one listener) does not reveal the
 * file's key nor the keys of other material.
 */
public final class TicketKeys {
    static final int NGINX_KEY_SIZE = 80;
    private static final int PART = 16; // BoringSSL's ticket key: 16-byte name, 16-byte HMAC key, 16-byte AES key

    private final List<byte[]> secrets;

    private TicketKeys(List<byte[]> secrets) {
        this.secrets = List.copyOf(secrets);
    }

    /** Reads the key file (blocking: from a start or reload thread). */
    public static TicketKeys read(FileRef file) throws ConfigException {
        requireNonNull(file, "file");
        byte[] all;
        try {
            all = Files.readAllBytes(file.path());
        } catch (IOException e) {
            throw new ConfigException(List.of(file.error("cannot read " + file.path() + ": " + e)));
        }
        try {
            return of(all);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(List.of(file.error(file.path() + ": " + e.getMessage())));
        }
    }

    /** Keys back to back, {@value #NGINX_KEY_SIZE} bytes each; the first encrypts. */
    public static TicketKeys of(byte[] all) {
        if (all.length == 0 || all.length % NGINX_KEY_SIZE != 0) {
            throw new IllegalArgumentException(all.length + " bytes (expected: 80-byte keys back to back, as"
                    + " nginx's ssl_session_ticket_key; e.g. openssl rand 80 > tickets.key)");
        }
        List<byte[]> secrets = new ArrayList<>();
        for (int at = 0; at < all.length; at += NGINX_KEY_SIZE) {
            secrets.add(Arrays.copyOfRange(all, at, at + NGINX_KEY_SIZE));
        }
        return new TicketKeys(secrets);
    }

    public int size() {
        return secrets.size();
    }

    /** The BoringSSL keys for one listener's material (see the class comment); the first encrypts. */
    public OpenSslSessionTicketKey[] derive(byte[] materialDigest) {
        OpenSslSessionTicketKey[] out = new OpenSslSessionTicketKey[secrets.size()];
        for (int i = 0; i < out.length; i++) {
            byte[] secret = secrets.get(i);
            out[i] = new OpenSslSessionTicketKey(
                    part(secret, "name", materialDigest),
                    part(secret, "hmac", materialDigest),
                    part(secret, "aes", materialDigest));
        }
        return out;
    }

    private static byte[] part(byte[] secret, String label, byte[] digest) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(("mtls-proxy ticket " + label).getBytes(StandardCharsets.US_ASCII));
            mac.update(digest);
            return Arrays.copyOf(mac.doFinal(), PART);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** A digest of what a listener decides a handshake with; see the class comment for why each part is in. */
    public static final class Material {
        private final MessageDigest digest;

        public Material() {
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("SHA-256 is part of every JDK", e);
            }
        }

        public Material certificates(List<X509Certificate> certificates) {
            for (X509Certificate c : certificates) {
                try {
                    field(c.getEncoded());
                } catch (CertificateEncodingException e) {
                    field(c.toString().getBytes(StandardCharsets.UTF_8));
                }
            }
            return text("|certs");
        }

        public Material crls(List<X509CRL> crls) {
            for (X509CRL crl : crls) {
                try {
                    field(crl.getEncoded());
                } catch (CRLException e) {
                    field(crl.toString().getBytes(StandardCharsets.UTF_8));
                }
            }
            return text("|crls");
        }

        /** A setting or policy, by a text that changes whenever its meaning does. */
        public Material text(String value) {
            return field(value.getBytes(StandardCharsets.UTF_8));
        }

        private Material field(byte[] bytes) {
            // length-prefixed, so that no two different sequences of fields digest alike
            digest.update(new byte[] {
                (byte) (bytes.length >>> 24),
                (byte) (bytes.length >>> 16),
                (byte) (bytes.length >>> 8),
                (byte) bytes.length
            });
            digest.update(bytes);
            return this;
        }

        public byte[] finish() {
            return digest.digest();
        }
    }
}
