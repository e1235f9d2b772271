package io.mtlsproxy.core.tls;

import io.mtlsproxy.config.ConfigException;
import io.mtlsproxy.config.FileRef;
import io.mtlsproxy.config.KeyMaterial;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Server certificates and keys already read, by the files that hold them and the digest of their contents: a
 * reload that finds a file pair unchanged takes the parsed chain and key from here instead of parsing the PEM and
 * proving that the key matches again. One entry per pair of files the configuration names; {@link #finish} forgets
 * pairs it no longer names. A build loads its keys in parallel ({@link KeySource#loadAll}), so one pair is read
 * without a lock while others are; {@link #finish} comes after the build's loads.
 */
public final class KeyCache implements KeySource {
    private final Map<Names, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicInteger loaded = new AtomicInteger();
    private final AtomicInteger reused = new AtomicInteger();

    /** What one build did: keys read and checked, and keys taken from an earlier build. */
    public record Counts(int loaded, int reused) {}

    /** The files of one certificate and key, and the keystore password (a new one must be tried on the file). */
    private record Names(List<Path> files, Optional<String> password) {
        static Names of(KeyMaterial m) {
            return new Names(
                    Stream.of(m.cert(), m.key(), m.keystore())
                            .flatMap(Optional::stream)
                            .map(FileRef::path)
                            .toList(),
                    m.keystorePassword());
        }
    }

    private record Entry(FileDigest files, LoadedKey key) {}

    @Override
    public LoadedKey load(KeyMaterial material) throws ConfigException {
        Names names = Names.of(material);
        Optional<FileDigest> digest = FileDigest.of(material);
        Entry known = entries.get(names);
        if (known != null && digest.isPresent() && known.files().equals(digest.get())) {
            reused.incrementAndGet();
            // same content, perhaps named at another line now: errors must point there
            return new LoadedKey(known.key().chain(), known.key().privateKey(), material.certificateFile());
        }
        entries.remove(names);
        LoadedKey fresh = CertificateLoader.load(material);
        loaded.incrementAndGet();
        // kept only when the files did not change while they were read
        if (digest.isPresent() && digest.equals(FileDigest.of(material))) {
            entries.put(names, new Entry(digest.get(), fresh));
        }
        return fresh;
    }

    /** Ends a build: forgets the keys of files {@code named} no longer holds, and says what the build did. */
    public synchronized Counts finish(Collection<KeyMaterial> named) {
        Set<Names> keep = new HashSet<>();
        named.forEach(m -> keep.add(Names.of(m)));
        entries.keySet().retainAll(keep);
        return new Counts(loaded.getAndSet(0), reused.getAndSet(0));
    }
}
