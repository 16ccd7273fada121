package io.zcl.patterns.heartbeat;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Reconnect delays that double from {@code initialMs} up to {@code maxMs} (zguide ppworker: 1 s to
 * 32 s), each shortened by a random part of up to {@code jitter} of itself. Without the jitter,
 * a hundred workers that lost the same coordinator would all knock again in the same millisecond.
 *
 * <p>Delays lie in {@code [base x (1 - jitter), base]}, so the cap is never exceeded. The random
 * source is a parameter, so a test can pin it.
 */
public final class Backoff {

    public static final double DEFAULT_JITTER = 0.25;

    private final long initialMs;
    private final long maxMs;
    private final double jitter;
    private final DoubleSupplier random;
    private long baseMs;
    private int attempts;

    public Backoff(long initialMs, long maxMs) {
        this(initialMs, maxMs, DEFAULT_JITTER, () -> ThreadLocalRandom.current().nextDouble());
    }

    /** @param random values in [0, 1) */
    public Backoff(long initialMs, long maxMs, double jitter, DoubleSupplier random) {
        if (initialMs <= 0 || maxMs < initialMs || jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("need 0 < initialMs <= maxMs and 0 <= jitter < 1");
        }
        this.initialMs = initialMs;
        this.maxMs = maxMs;
        this.jitter = jitter;
        this.random = random;
        this.baseMs = initialMs;
    }

    /** The delay before the next attempt; each call doubles the base for the one after, up to the cap. */
    public long nextDelayMs() {
        long delay = baseMs - (long) (baseMs * jitter * random.getAsDouble());
        baseMs = Math.min(baseMs * 2, maxMs);
        attempts++;
        return delay;
    }

    /** Back to the first delay: call when the peer is heard again. */
    public void reset() {
        baseMs = initialMs;
        attempts = 0;
    }

    /** Attempts since the last reset. */
    public int attempts() {
        return attempts;
    }
}
