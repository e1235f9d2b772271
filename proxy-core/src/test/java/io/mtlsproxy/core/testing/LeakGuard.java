package io.mtlsproxy.core.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Makes Netty's leak detector speak before a test class ends instead of some time later: it collects garbage,
 * allocates and frees a few buffers (the detector reports collected, unreleased buffers when it tracks a new one)
 * and fails when a {@code LEAK:} line was logged since the guard was installed. Tests run with
 * {@code -Dio.netty.leakDetection.level=paranoid}, so every buffer is tracked.
 */
public final class LeakGuard {
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    static {
        Logger detector = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
        AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                if (event.getFormattedMessage().contains("LEAK:")) {
                    LEAKS.add(event.getFormattedMessage());
                }
            }
        };
        appender.setName("leak-guard");
        appender.start();
        detector.addAppender(appender);
    }

    private LeakGuard() {}

    /** Call once early (e.g. in @BeforeAll) so that leaks of this class's tests are seen; idempotent. */
    public static void install() {
        // the static initializer did it
    }

    /** Flushes the detector and fails on any leak reported since {@link #install()}. */
    public static void assertNoLeaks() {
        for (int round = 0; round < 3; round++) {
            System.gc();
            System.runFinalization();
            for (int i = 0; i < 64; i++) {
                ByteBuf b = ByteBufAllocator.DEFAULT.buffer(32);
                b.release();
            }
        }
        if (!LEAKS.isEmpty()) {
            String first = LEAKS.get(0);
            throw new AssertionError(LEAKS.size() + " leaked buffer report(s); the first:\n" + first);
        }
    }
}
