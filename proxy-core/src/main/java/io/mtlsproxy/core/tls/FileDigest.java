package io.mtlsproxy.core.tls;

import io.mtlsproxy.config.ContentHashes;
import io.mtlsproxy.config.FileRef;
import io.mtlsproxy.config.RecordParts;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The SHA-256 of the contents of every file a configuration value names ({@link FileRef}s found anywhere in its
 * records, lists, maps and optionals), with their paths. A reload compares it to decide that certificates, keys,
 * CAs and CRLs are unchanged, and keeps what was built from them: reading and hashing a thousand small PEM files
 * costs milliseconds, parsing them and building SslContexts seconds; a file whose stat says it did not change is
 * not even read again ({@link ContentHashes}). Blocking file reads: reload thread only.
 */
public record FileDigest(String hex) {
    /** The digest of a value that names no file. */
    public static final FileDigest NONE = new FileDigest("");

    /** The digest of the files {@code value} names, or empty when one of them cannot be read now. */
    public static Optional<FileDigest> of(Object value) {
        List<FileRef> files = new ArrayList<>();
        collect(value, files);
        if (files.isEmpty()) {
            return Optional.of(NONE);
        }
        MessageDigest sha256 = sha256();
        for (FileRef f : files) {
            Optional<byte[]> content = ContentHashes.SHARED.sha256(f.path());
            if (content.isEmpty()) {
                return Optional.empty(); // the build that follows reports it at the line that named it
            }
            sha256.update(f.path().toString().getBytes(StandardCharsets.UTF_8));
            sha256.update((byte) 0);
            sha256.update(content.get());
        }
        return Optional.of(new FileDigest(HexFormat.of().formatHex(sha256.digest())));
    }

    private static void collect(Object value, List<FileRef> into) {
        if (value instanceof FileRef f) {
            into.add(f);
        } else if (value instanceof Optional<?> o) {
            o.ifPresent(v -> collect(v, into));
        } else if (value instanceof Collection<?> c) {
            c.forEach(v -> collect(v, into));
        } else if (value instanceof Map<?, ?> m) {
            m.values().forEach(v -> collect(v, into));
        } else if (value instanceof Record r) {
            for (int i = 0, n = RecordParts.count(r); i < n; i++) {
                collect(RecordParts.value(r, i), into);
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
