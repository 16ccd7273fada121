package io.zcl.runner.zmq;

import org.zeromq.ZMQ;

/**
 * Works around a JeroMQ 0.6.0 bug that leaves a fresh outgoing connection idle: the TCP connect
 * completes, but the socket never sends its ZMTP greeting nor reads the peer's, so every message
 * queued on it waits. JeroMQ's own handshake timer ({@code ZMQ_HANDSHAKE_IVL}, 30 s by default)
 * is the only thing that ends it: it drops the connection and reconnects, and the queued messages
 * go out on the new one.
 *
 * <p>Cause ({@code zmq.poll.Poller.run}): when the connect completes, the connecter's selector
 * key is cancelled and the engine adds a new handle for the same channel. If both happen in one
 * turn of the I/O thread (a command for that thread, such as "a message is waiting" from the
 * application's first send, arrived in the same wake-up as the connect), the registration pass
 * still finds the cancelled key, which is neither absent (register) nor valid (update), and the
 * engine's channel is never registered. Nothing retries until another handle of that I/O thread
 * changes. Only connecting sockets are affected; the accepting side registers a fresh channel.
 * Reported upstream as zeromq/jeromq pull request 1022 (open, not in a release).
 *
 * <p>Measured with a DEALER that connects and sends at once, against a ROUTER on loopback: see
 * docs/wire-protocol.md section 10. The workaround: connecting sockets without a liveness check
 * of their own set a short handshake interval, so a stuck connection is retried after
 * {@link #HANDSHAKE_IVL_MS} instead of 30 s. (The agent needs none: it opens a new socket after
 * liveness x heartbeat of silence, 3 s by default.)
 */
public final class ConnectRace {

    /**
     * The handshake limit for connecting sockets. A loopback or LAN handshake, CURVE included,
     * takes milliseconds; one that takes longer is retried, with its queued messages kept.
     */
    public static final int HANDSHAKE_IVL_MS = 3_000;

    private ConnectRace() {
    }

    /** Connects with {@link #HANDSHAKE_IVL_MS} as the socket's handshake interval (set before connecting). */
    public static void connect(ZMQ.Socket socket, String endpoint) {
        socket.setHandshakeIvl(HANDSHAKE_IVL_MS);
        socket.connect(endpoint);
    }
}
