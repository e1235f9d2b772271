package io.mtlsproxy.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The SHA-256 of a file's content, read again only when the file may have changed. A reload at 10,000 routes and
 * 1,000 certificates names some 2,100 files; reading and hashing each at every reload was a fifth of a reload
 * that changed nothing, while one {@code stat} per file tells the same.
 *
 * <p>When is a stat enough? A remembered digest is used only when the file's size, modification time, change time
 * ({@code ctime}, which no program can set back, unlike the modification time that {@code cp -p} or
 * {@code touch -r} restore) and inode are all as they were when it was read, and its last change happened more
 * than {@link #RACY_MILLIS} before that read began. The second rule is git's "racy" rule: a file written in the
 * same clock tick as (or just after) our read may keep the same times while its bytes differ, so such a file is
 * read and hashed every time until it has been quiet for that long. Where the file system has no {@code ctime}
 * (not Linux), the modification time stands in for it.
 */
public final class ContentHashes {
    /** The one cache of the process: route files, certificates, keys and CAs are shared by every load. */
    public static final ContentHashes SHARED = new ContentHashes(System::currentTimeMillis);

    /** A change this close before a read does not let a later stat vouch for the content. */
    static final long RACY_MILLIS = 2_000;

    private record Stamp(long size, FileTime modified, Object changed, Object fileKey) {
        long lastChangeMillis() {
            long m = modified.toMillis();
            return changed instanceof FileTime c ? Math.max(m, c.toMillis()) : m;
        }
    }

    private record Known(Stamp stamp, long readAtMillis, byte[] sha256) {}

    private final Map<Path, Known> known = new ConcurrentHashMap<>();
    private final LongSupplier clock;
    private final AtomicLong reads = new AtomicLong();

    ContentHashes(LongSupplier clock) {
        this.clock = clock;
    }

    /** The SHA-256 of the file's content, or empty when it cannot be read now (the caller says why, and where). */
    public Optional<byte[]> sha256(Path file) {
        Path key = file.toAbsolutePath().normalize();
        Optional<Stamp> before = stamp(key);
        if (before.isEmpty()) {
            known.remove(key);
            return Optional.empty();
        }
        Known k = known.get(key);
        if (k != null
                && k.stamp().equals(before.get())
                && before.get().lastChangeMillis() < k.readAtMillis() - RACY_MILLIS) {
            return Optional.of(k.sha256());
        }
        long readAt = clock.getAsLong();
        byte[] sha256;
        try {
            sha256 = sha256().digest(Files.readAllBytes(key));
        } catch (IOException | RuntimeException e) {
            known.remove(key);
            return Optional.empty();
        }
        reads.incrementAndGet();
        // remembered only when nothing touched the file while it was read
        if (stamp(key).equals(before)) {
            known.put(key, new Known(before.get(), readAt, sha256));
        } else {
            known.remove(key);
        }
        return Optional.of(sha256);
    }

    /** Forgets every file but {@code named}, so that renamed and removed files do not pile up. */
    public void retainOnly(Collection<Path> named) {
        Set<Path> keep = new HashSet<>();
        named.forEach(p -> keep.add(p.toAbsolutePath().normalize()));
        known.keySet().retainAll(keep);
    }

    /** How many times a file was actually read: for tests. */
    long reads() {
        return reads.get();
    }

    /** One stat: size, times and inode; the unix view where there is one (it has ctime), else the basic one. */
    private static Optional<Stamp> stamp(Path file) {
        try {
            Map<String, Object> a;
            try {
                a = Files.readAttributes(file, "unix:size,lastModifiedTime,ctime,ino,dev");
            } catch (UnsupportedOperationException | IllegalArgumentException e) {
                a = Files.readAttributes(file, "size,lastModifiedTime,fileKey");
            }
            return Optional.of(new Stamp(
                    (Long) a.get("size"),
                    (FileTime) a.get("lastModifiedTime"),
                    a.get("ctime"),
                    Arrays.asList(a.get("ino"), a.get("dev"), a.get("fileKey"))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
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
