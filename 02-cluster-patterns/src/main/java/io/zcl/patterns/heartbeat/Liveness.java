package io.zcl.patterns.heartbeat;

import java.util.function.LongSupplier;

/**
 * How one side of a Paranoid Pirate link (RFC 6/PPP) decides that its peer is dead: the peer is
 * alive while something arrived from it within the last {@code liveness x interval} ms.
 *
 * <p>The zguide's ppworker keeps a counter that starts at LIVENESS and drops by one for every
 * silent interval; remembering when the peer was last heard is the same rule, and exact to the
 * millisecond instead of to the interval. Any message counts, not only HEARTBEAT: a busy peer
 * that sends results is plainly alive.
 *
 * <p>Time is a parameter of every method, never read here, so a test can walk the clock.
 */
public final class Liveness {

    /** The clock the real loops pass in: monotonic, so a wall-clock jump never kills a peer. */
    public static final LongSupplier MONOTONIC_MILLIS = () -> System.nanoTime() / 1_000_000;

    private final long intervalMs;
    private final int liveness;
    private long lastHeardAt;

    /** Starts the silence clock at {@code now}: a new peer gets a full timeout to say something. */
    public Liveness(long intervalMs, int liveness, long now) {
        if (intervalMs <= 0 || liveness <= 0) {
            throw new IllegalArgumentException("interval and liveness must be positive");
        }
        this.intervalMs = intervalMs;
        this.liveness = liveness;
        this.lastHeardAt = now;
    }

    /** Call for every message received from the peer, whatever it is. */
    public void heard(long now) {
        lastHeardAt = Math.max(lastHeardAt, now);
    }

    public long timeoutMs() {
        return intervalMs * liveness;
    }

    public long lastHeardAt() {
        return lastHeardAt;
    }

    /** The first instant at which the peer counts as dead, unless it speaks before. */
    public long expiresAt() {
        return lastHeardAt + timeoutMs();
    }

    public boolean expired(long now) {
        return now >= expiresAt();
    }

    public long silentFor(long now) {
        return Math.max(0, now - lastHeardAt);
    }
}
