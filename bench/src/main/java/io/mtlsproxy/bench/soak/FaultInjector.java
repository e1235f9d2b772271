package io.mtlsproxy.bench.soak;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Stops the faulty endpoint (as a crash: refused connects, open connections reset) every {@code every} for
 * {@code downFor}, starting half a period in, and records each window in the {@link FaultLog} that explains the
 * failures it causes. Closing ends the current fault early and leaves the endpoint up.
 */
final class FaultInjector implements AutoCloseable {
    private final SoakOrigin faulty;
    private final FaultLog faults;
    private final Duration every;
    private final Duration downFor;
    private final Consumer<String> log;
    private final long startNanos;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;
    private volatile String problem = "";

    FaultInjector(
            SoakOrigin faulty,
            FaultLog faults,
            Duration every,
            Duration downFor,
            Consumer<String> log,
            long startNanos) {
        this.faulty = requireNonNull(faulty, "faulty");
        this.faults = requireNonNull(faults, "faults");
        this.every = requireNonNull(every, "every");
        this.downFor = requireNonNull(downFor, "downFor");
        this.log = requireNonNull(log, "log");
        this.startNanos = startNanos;
        this.thread = new Thread(this::loop, "soak-faults");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Empty, or why the endpoint could not be brought back. */
    String problem() {
        return problem;
    }

    private void loop() {
        long next = System.nanoTime() + every.toNanos() / 2;
        try {
            while (!stop.await(Math.max(0, next - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                // The window opens before the stop: requests reset while the connections close belong to it.
                long down = System.nanoTime();
                faults.down(down);
                faulty.stop();
                log.accept(String.format(
                        Locale.ROOT,
                        "t+%.1fs origin fault: %s (127.0.0.1:%d) stopped for %d s",
                        (down - startNanos) / 1e9,
                        faulty.name(),
                        faulty.port(),
                        downFor.toSeconds()));
                stop.await(downFor.toMillis(), TimeUnit.MILLISECONDS);
                bringBack();
                next = Math.max(next + every.toNanos(), System.nanoTime());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void bringBack() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                faulty.restart();
                faults.up(System.nanoTime());
                log.accept(String.format(
                        Locale.ROOT,
                        "t+%.1fs origin fault over: %s back up",
                        (System.nanoTime() - startNanos) / 1e9,
                        faulty.name()));
                return;
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) { // Netty's bind rethrows a BindException undeclared
                if (System.nanoTime() > deadline) {
                    problem = faulty.name() + " could not listen on its port again: " + e;
                    log.accept(problem);
                    return;
                }
                Thread.sleep(200);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop.countDown();
        thread.join(Duration.ofSeconds(20).toMillis());
    }
}
