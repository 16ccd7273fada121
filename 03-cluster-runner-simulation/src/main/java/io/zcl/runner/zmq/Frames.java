package io.zcl.runner.zmq;

import org.zeromq.ZMQ;
import org.zeromq.ZMQException;

/** Non-blocking sends of whole ZCR1 messages. An I/O thread must never block on one slow peer. */
final class Frames {

    private Frames() {
    }

    /**
     * Sends [identity?][ZCR1][cmd][body] without blocking. ZeroMQ delivers multipart messages
     * atomically and checks the high-water mark on the first frame only, so either all frames
     * are queued or none is.
     *
     * @param identity the ROUTER routing id, or null on a DEALER
     * @return false when the peer's queue is full (try again later); for a ROUTER with
     *         ROUTER_MANDATORY also false when the peer is not connected
     */
    static boolean send(ZMQ.Socket socket, byte[] identity, Message m) {
        try {
            int more = ZMQ.DONTWAIT | ZMQ.SNDMORE;
            if (identity != null && !socket.send(identity, more)) {
                return false;
            }
            if (!socket.send(Protocol.SIGNATURE, more)) {
                return false;
            }
            socket.send(new byte[] {m.cmd().code()}, more);
            return socket.send(m.body().encode(), ZMQ.DONTWAIT);
        } catch (ZMQException e) {
            // EHOSTUNREACH: ROUTER_MANDATORY and the peer is gone.
            return false;
        }
    }
}
