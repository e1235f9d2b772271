package io.mtlsproxy.core.revocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mtlsproxy.core.ca.CertificateSpec;
import io.mtlsproxy.core.testing.OcspResponder;
import io.mtlsproxy.core.testing.TestPki;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client-check cache against a real {@code openssl ocsp} responder: an answer holds until its nextUpdate (a
 * client revoked at the responder meanwhile is still admitted by it), then the responder is asked again and the
 * revocation is seen; a responder that cannot be reached is an error, never a status; every result is counted.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClientOcspTest {
    @TempDir
    Path dir;

    TestPki.Ca ca;
    OcspResponder responder;
    final MovingClock clock = new MovingClock();
    final List<String> counted = new ArrayList<>();
    ClientOcsp ocsp;

    @BeforeEach
    void setUp() throws Exception {
        ca = new TestPki(dir).ca("clients");
        responder = OcspResponder.start(dir.resolve("responder"), ca, 5); // answers valid for five minutes
        ocsp = new ClientOcsp(clock);
        ocsp.countInto((use, result) -> counted.add(use + "/" + result));
    }

    @AfterEach
    void tearDown() {
        responder.close();
        ocsp.close();
    }

    private TestPki.Leaf client(String cn) {
        return ca.leaf(cn, CertificateSpec.client(cn).build(), responder.url());
    }

    private ClientOcsp.Verdict check(TestPki.Leaf leaf, boolean mayAsk) {
        return ocsp.check(leaf.issued().certificate(), ca.authority().certificate(), Optional.empty(), mayAsk);
    }

    @Test
    void aRevocationAtTheResponderIsSeenOnceTheCachedAnswerReachesItsNextUpdate() {
        TestPki.Leaf c = client("c");
        responder.good(c);
        assertEquals("good", check(c, true).label());

        responder.revoke(c);
        clock.move(Duration.ofMinutes(4));
        assertEquals("good", check(c, true).label(), "cached until nextUpdate: not asked again");
        clock.move(Duration.ofMinutes(2));
        assertEquals("revoked", check(c, true).label(), "past nextUpdate: asked again");
        assertEquals(List.of("client/good", "client/good", "client/revoked"), counted);
    }

    @Test
    void anUncachedStatusIsNotAskedWhenAskingIsNotAllowed() {
        TestPki.Leaf c = client("c");
        responder.good(c);
        ClientOcsp.Verdict v = check(c, false);
        assertTrue(v.status().isEmpty(), v::toString);
        assertEquals("not cached", v.detail());
        assertEquals(List.of(), counted, "nothing asked, nothing counted");
        assertEquals("good", check(c, true).label());
        assertEquals("good", check(c, false).label(), "the cache answers");
    }

    @Test
    void anUnreachableResponderIsAnErrorAndAGoodAnswerOutlivesItsResponderUntilNextUpdate() {
        TestPki.Leaf c = client("c");
        responder.good(c);
        assertEquals("good", check(c, true).label());
        TestPki.Leaf stranger =
                ca.leaf("stranger", CertificateSpec.client("stranger").build(), URI.create("http://127.0.0.1:1/"));
        ClientOcsp.Verdict v = check(stranger, true);
        assertEquals("error", v.label());
        assertTrue(v.detail().startsWith("OCSP http://127.0.0.1:1/: "), v.detail());
        assertEquals("unknown", check(client("nobody"), true).label(), "not in the index: unknown");

        responder.stop();
        assertEquals("good", check(c, true).label(), "a good answer outlives its responder");
        clock.move(Duration.ofMinutes(10));
        assertEquals("error", check(c, true).label(), "expired, and the responder is gone");
    }

    /** A clock the test moves forward. */
    static final class MovingClock extends Clock {
        private volatile Duration offset = Duration.ZERO;

        void move(Duration by) {
            offset = offset.plus(by);
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(offset);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
