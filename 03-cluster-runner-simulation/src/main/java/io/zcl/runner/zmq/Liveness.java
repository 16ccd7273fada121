package io.zcl.runner.zmq;

/**
 * Paranoid Pirate liveness for one peer, driven by the caller's clock (milliseconds), so the
 * logic is tested without sleeping. Any message from the peer counts as a sign of life.
 */
public final class Liveness {

    private final long intervalMs;
    private final int liveness;
    private long lastHeardMs;
    private long lastSentMs;

    public Liveness(long intervalMs, int liveness, long nowMs) {
        if (intervalMs <= 0 || liveness <= 0) {
            throw new IllegalArgumentException("heartbeat interval and liveness must be positive");
        }
        this.intervalMs = intervalMs;
        this.liveness = liveness;
        this.lastHeardMs = nowMs;
        this.lastSentMs = nowMs;
    }

    public void heard(long nowMs) {
        lastHeardMs = nowMs;
    }

    public void sent(long nowMs) {
        lastSentMs = nowMs;
    }

    /** Dead once silent for liveness x interval (RFC 6: "liveness" missed heartbeats). */
    public boolean isDead(long nowMs) {
        return nowMs - lastHeardMs >= deadAfterMs();
    }

    /** A heartbeat is due when we have sent nothing for one interval. */
    public boolean heartbeatDue(long nowMs) {
        return nowMs - lastSentMs >= intervalMs;
    }

    public long deadAfterMs() {
        return intervalMs * liveness;
    }

    public long silenceMs(long nowMs) {
        return nowMs - lastHeardMs;
    }

    /** How long a poll may wait before this peer needs attention (a heartbeat or an expiry check). */
    public long msUntilNextEvent(long nowMs) {
        long hb = lastSentMs + intervalMs - nowMs;
        long dead = lastHeardMs + deadAfterMs() - nowMs;
        return Math.max(0, Math.min(hb, dead));
    }

    public long intervalMs() {
        return intervalMs;
    }
}
