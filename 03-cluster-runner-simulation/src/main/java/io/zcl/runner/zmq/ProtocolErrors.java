package io.zcl.runner.zmq;

import io.zcl.runner.zmq.Protocol.ErrorCode;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;

/**
 * Counts the protocol errors one peer (coordinator or agent) saw, in total and by ERROR code,
 * and keeps a hostile peer from flooding the log: the first {@link #LOG_BURST} errors of each
 * second are logged, the rest only counted (with one line saying how many were not logged).
 * Thread-safe; read by metrics from any thread.
 */
public final class ProtocolErrors {

    /** Log lines per second before the rest of that second's errors are only counted. */
    static final int LOG_BURST = 20;

    private final AtomicLongArray byCode = new AtomicLongArray(ErrorCode.values().length);
    private final AtomicLong total = new AtomicLong();
    private final AtomicLong internal = new AtomicLong();
    private final AtomicLong unsent = new AtomicLong();
    private long windowStartMs;
    private int loggedInWindow;
    private long unlogged;

    /** Counts one error and logs it unless this second's log budget is spent. */
    public void record(Logger log, String peer, ErrorCode code, String reason) {
        total.incrementAndGet();
        byCode.incrementAndGet(code.ordinal());
        logLimited(log, "protocol error from {}: {} {}", peer, code, printable(reason));
    }

    /**
     * Logs an ERROR the peer sent us (rate-limited like the errors: a peer may send ERRORs in a
     * loop). Not counted: receiving an ERROR is not a protocol error.
     */
    public void peerReported(Logger log, String peer, String code, String reason) {
        logLimited(log, "{} reports {}: {}", peer, printable(code), printable(reason));
    }

    /**
     * Peer-supplied text made safe for one log line: control characters escaped (no forged
     * lines), at most 200 characters.
     */
    public static String printable(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), 210));
        for (int i = 0; i < s.length() && b.length() < 200; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || Character.getType(c) == Character.FORMAT) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (b.length() >= 200 && s.length() > 200) {
            b.append("... (").append(s.length()).append(" chars)");
        }
        return b.toString();
    }

    /**
     * Counts an ERROR answered to a message that did not break the protocol (HELLO_REQUIRED after
     * a coordinator restart, DUPLICATE for a replayed RUN): by code only, not in {@link #total()}.
     */
    public void recordRefusal(ErrorCode code) {
        byCode.incrementAndGet(code.ordinal());
    }

    /**
     * Counts a message whose handling threw something other than a ProtocolException: a bug, but
     * one hostile message must not kill the I/O thread that serves everyone else.
     */
    public void recordInternal(Logger log, String peer, RuntimeException e) {
        internal.incrementAndGet();
        log.error("message from {} could not be handled (the I/O thread carries on)", peer, e);
    }

    /**
     * Counts an ERROR reply that ZeroMQ would not queue (the peer's queue is full, or the peer is
     * gone: ROUTER_MANDATORY), so the peer never sees it; logged like the errors.
     */
    public void recordUnsent(Logger log, String peer, ErrorCode code) {
        unsent.incrementAndGet();
        logLimited(log, "ERROR {} to {} not sent: {}", code, peer, "its queue is full or it is gone");
    }

    private synchronized void logLimited(Logger log, String format, Object a, Object b, Object c) {
        long now = System.currentTimeMillis();
        if (now - windowStartMs >= 1000) {
            if (unlogged > 0) {
                log.warn("{} more protocol errors in the last second were counted but not logged", unlogged);
            }
            windowStartMs = now;
            loggedInWindow = 0;
            unlogged = 0;
        }
        if (loggedInWindow < LOG_BURST) {
            loggedInWindow++;
            log.warn(format, a, b, c);
        } else {
            unlogged++;
        }
    }

    /** All protocol errors so far (not counting refusals, see {@link #recordRefusal}). */
    public long total() {
        return total.get();
    }

    /** Messages that made the handler throw unexpectedly (should stay 0). */
    public long internalErrors() {
        return internal.get();
    }

    /** ERROR replies that could not be queued for their peer (see {@link #recordUnsent}). */
    public long unsentReplies() {
        return unsent.get();
    }

    public long count(ErrorCode code) {
        return byCode.get(code.ordinal());
    }

    /** Counts by code, every code present (zero when none). */
    public Map<ErrorCode, Long> byCode() {
        Map<ErrorCode, Long> m = new EnumMap<>(ErrorCode.class);
        for (ErrorCode c : ErrorCode.values()) {
            m.put(c, byCode.get(c.ordinal()));
        }
        return m;
    }
}
