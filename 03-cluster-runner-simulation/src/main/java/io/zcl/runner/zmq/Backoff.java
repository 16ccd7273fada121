package io.zcl.runner.zmq;

import java.util.function.DoubleSupplier;

/**
 * Exponential reconnect backoff with jitter: initial, 2x, 4x, ... capped at max; each delay is
 * drawn uniformly from [delay/2, delay] ("equal jitter") so a rack of agents that lost the
 * coordinator together does not reconnect in lockstep.
 */
public final class Backoff {

    private final long initialMs;
    private final long maxMs;
    private final DoubleSupplier random;
    private long nextMs;

    /** @param random uniform in [0, 1); a parameter so tests are deterministic */
    public Backoff(long initialMs, long maxMs, DoubleSupplier random) {
        if (initialMs <= 0 || maxMs < initialMs) {
            throw new IllegalArgumentException("need 0 < initial <= max, got " + initialMs + ", " + maxMs);
        }
        this.initialMs = initialMs;
        this.maxMs = maxMs;
        this.random = random;
        this.nextMs = initialMs;
    }

    /** The next delay to wait, then doubles the base for the following one. */
    public long nextDelayMs() {
        long base = nextMs;
        nextMs = Math.min(maxMs, nextMs * 2);
        return base / 2 + (long) (random.getAsDouble() * (base - base / 2));
    }

    /** The current base (before jitter) the next delay is drawn from. */
    public long currentBaseMs() {
        return nextMs;
    }

    /** After a successful connection, start over from the initial delay. */
    public void reset() {
        nextMs = initialMs;
    }
}
