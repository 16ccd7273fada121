package io.zcl.runner.zmq;

import java.util.UUID;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMonitor;

/**
 * Watches a client socket's ZMTP handshakes (a JeroMQ socket monitor) and turns a failed one
 * into a sentence naming the likely cause: the peer refused our key, the peer's key is not the
 * pinned one, or one side speaks CURVE and the other does not.
 *
 * <p>Without it a refused agent only sees silence: ZeroMQ hides handshakes from the application.
 */
final class HandshakeWatch implements AutoCloseable {

    private static final int EVENTS = ZMQ.EVENT_CONNECTED | ZMQ.EVENT_DISCONNECTED | ZMQ.HANDSHAKE_SUCCEEDED
            | ZMQ.HANDSHAKE_FAILED_AUTH | ZMQ.HANDSHAKE_FAILED_PROTOCOL | ZMQ.HANDSHAKE_FAILED_NO_DETAIL;

    private final ZContext ctx;
    private final ZMQ.Socket watched;
    private final ZMQ.Socket events;
    private final boolean curve;
    private boolean handshakeDone;
    /** When the current connection's TCP connect completed (System.nanoTime), to tell a refusal from a timeout. */
    private long connectedAtNanos;

    /**
     * A peer that refuses our handshake hangs up within milliseconds of the greeting; a connection
     * that ends this long after connecting without a handshake was closed by ZeroMQ's own handshake
     * timer (ZMQ_HANDSHAKE_IVL, 30 s by default): a stalled connection (JeroMQ 0.6.0's connect race,
     * see {@link ConnectRace}) or a peer that is not ZeroMQ, not a CURVE mismatch.
     */
    static final long TIMEOUT_NOT_REFUSAL_MS = 5_000;

    /**
     * @param curve whether the watched socket is a CURVE client (for the wording)
     */
    HandshakeWatch(ZContext ctx, ZMQ.Socket watched, boolean curve) {
        this.ctx = ctx;
        this.watched = watched;
        this.curve = curve;
        String addr = "inproc://zcl-handshake-" + UUID.randomUUID();
        if (!watched.monitor(addr, EVENTS)) {
            throw new IllegalStateException("cannot monitor the socket");
        }
        events = ctx.createSocket(SocketType.PAIR);
        events.connect(addr);
    }

    /**
     * The peer sent a message, so the handshake of the current connection succeeded. (JeroMQ
     * 0.6.0 never emits HANDSHAKE_SUCCEEDED, so the agent tells us.)
     */
    void heard() {
        handshakeDone = true;
    }

    /** The socket to poll for events. */
    ZMQ.Socket events() {
        return events;
    }

    /** Reads the waiting events; returns why the handshake failed, or null when it did not (yet). */
    String check() {
        String failure = null;
        ZMQ.Event e;
        while ((e = ZMQ.Event.recv(events, ZMQ.DONTWAIT)) != null) {
            String why = explain(e);
            if (why != null && failure == null) {
                failure = why;
            }
        }
        return failure;
    }

    private String explain(ZMQ.Event e) {
        switch (e.getEvent()) {
            case ZMQ.EVENT_CONNECTED:
                handshakeDone = false;
                connectedAtNanos = System.nanoTime();
                return null;
            case ZMQ.HANDSHAKE_SUCCEEDED:
                handshakeDone = true;
                return null;
            case ZMQ.HANDSHAKE_FAILED_AUTH:
                return "the coordinator refused this agent's key (ZAP status " + e.getValue() + "): its public key is "
                        + "not in the coordinator's allow-list folder (--allow-keys); copy this agent's NAME.key there";
            case ZMQ.HANDSHAKE_FAILED_PROTOCOL: {
                Object code = e.resolveValue();
                if (code == ZMonitor.ProtocolCode.ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH) {
                    return curve
                            ? "the coordinator does not speak CURVE (started with --insecure?) while this agent does"
                            : "the coordinator requires CURVE: start this agent with --curve-secret FILE "
                                    + "--coordinator-key FILE";
                }
                return "CURVE handshake failed (" + code + "): the coordinator's key is probably not the pinned one "
                        + "(--coordinator-key)";
            }
            case ZMQ.HANDSHAKE_FAILED_NO_DETAIL:
                return "handshake failed (" + e.resolveValue() + ")";
            case ZMQ.EVENT_DISCONNECTED:
                if (handshakeDone) {
                    handshakeDone = false;
                    return null; // an established connection dropped: liveness handles that
                }
                long openMs = (System.nanoTime() - connectedAtNanos) / 1_000_000;
                if (connectedAtNanos != 0 && openMs >= TIMEOUT_NOT_REFUSAL_MS) {
                    return "the handshake with the coordinator did not complete in " + openMs + " ms (ZeroMQ's "
                            + "handshake timer closed the connection): a stalled connection or a peer that is not a "
                            + "ZCR1 coordinator; reconnecting";
                }
                // JeroMQ reports neither a wrong server key nor a mechanism mismatch to the client:
                // the server just hangs up during the handshake.
                return curve
                        ? "the coordinator closed the connection during the CURVE handshake: its key is probably not "
                                + "the pinned one (--coordinator-key), or it runs without CURVE (--insecure)"
                        : "the coordinator closed the connection during the handshake: it probably requires CURVE "
                                + "(start this agent with --curve-secret FILE --coordinator-key FILE)";
            default:
                return null;
        }
    }

    @Override
    public void close() {
        try {
            watched.monitor(null, 0);
        } catch (RuntimeException e) {
            // socket already closed
        }
        ctx.destroySocket(events);
    }
}
