package io.mtlsproxy.core.clients;

import static java.util.Objects.requireNonNull;

import io.mtlsproxy.core.identity.PeerIdentity;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every client certificate seen in a completed handshake, per listener, the least recently seen dropped first
 * once {@code max-tracked} are held (each drop counted). Written from event loops: a handshake costs one map
 * update under a short lock, no I/O; read by the admin endpoint and the expiry evaluation.
 */
public final class ClientInventory {
    public static final int DEFAULT_MAX_TRACKED = 10_000;

    /** access order: iteration starts at the least recently seen */
    private final LinkedHashMap<ClientKey, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);

    private final AtomicLong dropped = new AtomicLong();
    private int maxTracked;

    public ClientInventory(int maxTracked) {
        this.maxTracked = positive(maxTracked);
    }

    private static int positive(int maxTracked) {
        if (maxTracked < 1) {
            throw new IllegalArgumentException("maxTracked: " + maxTracked + " (expected: >= 1)");
        }
        return maxTracked;
    }

    /** A completed handshake that presented {@code peer}; an anonymous peer is not a client to track. */
    public void handshake(String listener, PeerIdentity peer, Instant now) {
        X509Certificate leaf = peer.leaf();
        if (leaf == null || peer.sha256() == null) {
            return;
        }
        ClientKey key = new ClientKey(requireNonNull(listener, "listener"), peer.sha256());
        synchronized (this) {
            Entry e = entries.get(key);
            if (e == null) {
                e = new Entry(peer, leaf, now);
                entries.put(key, e);
                trim();
            }
            e.lastSeen = now;
            e.handshakes++;
            e.refusal = null; // in again: the deny entry or the revocation is gone
        }
    }

    /**
     * A tracked client refused since its last handshake: {@code revoked} or {@code denied} (a handshake refused, or a
     * connection closed, for that reason). An untracked one stays untracked: nothing of it was ever admitted.
     */
    public synchronized void refused(String listener, String sha256, String reason) {
        if (sha256 == null) {
            return;
        }
        Entry e = entries.get(new ClientKey(listener, sha256));
        if (e != null) {
            e.refusal = reason;
        }
    }

    /** A request of {@code peer} that a route's identity allow-list refused; counted if the client is tracked. */
    public synchronized void identityDenied(String listener, PeerIdentity peer) {
        if (peer.sha256() == null) {
            return;
        }
        Entry e = entries.get(new ClientKey(listener, peer.sha256()));
        if (e != null) {
            e.denials++;
        }
    }

    /** Applies a new {@code clients.max-tracked} (from a load or reload); a smaller one drops at once. */
    public synchronized void maxTracked(int max) {
        maxTracked = positive(max);
        trim();
    }

    public synchronized int maxTracked() {
        return maxTracked;
    }

    /** Clients dropped to stay within {@code max-tracked}, since start. */
    public long dropped() {
        return dropped.get();
    }

    /** Every tracked client, least recently seen first. */
    public synchronized List<ClientRecord> snapshot() {
        List<ClientRecord> out = new ArrayList<>(entries.size());
        entries.forEach((key, e) -> out.add(e.record(key)));
        return out;
    }

    public synchronized int size() {
        return entries.size();
    }

    private void trim() {
        Iterator<Map.Entry<ClientKey, Entry>> oldest = entries.entrySet().iterator();
        while (entries.size() > maxTracked && oldest.hasNext()) {
            oldest.next();
            oldest.remove();
            dropped.incrementAndGet();
        }
    }

    /** Mutable under the inventory's lock; copied out as a {@link ClientRecord}. */
    private static final class Entry {
        private final PeerIdentity peer;
        private final Instant notBefore;
        private final Instant notAfter;
        private final Instant firstSeen;
        private Instant lastSeen;
        private long handshakes;
        private long denials;
        private String refusal;

        Entry(PeerIdentity peer, X509Certificate leaf, Instant now) {
            // the identity without its chain: the strings stay, the certificates go
            this.peer = new PeerIdentity(
                    List.of(),
                    peer.verified(),
                    peer.verificationError(),
                    peer.subject(),
                    peer.dnsSans(),
                    peer.uriSans(),
                    peer.sha256(),
                    peer.issuer(),
                    peer.serial(),
                    peer.notAfter());
            this.notBefore = leaf.getNotBefore().toInstant();
            this.notAfter = peer.notAfter();
            this.firstSeen = now;
            this.lastSeen = now;
        }

        ClientRecord record(ClientKey key) {
            return new ClientRecord(
                    key.listener(),
                    peer.subject(),
                    peer.issuer(),
                    peer.serial(),
                    peer.sha256(),
                    peer.uriSans(),
                    peer.dnsSans(),
                    notBefore,
                    notAfter,
                    firstSeen,
                    lastSeen,
                    handshakes,
                    denials,
                    refusal);
        }
    }
}
