package io.zcl.runner.zmq;

import java.util.Objects;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * CURVE (ZeroMQ RFC 26: Curve25519 key exchange, then every frame encrypted and authenticated)
 * for ZCR1 sockets: the server side (coordinator ROUTER, event-stream PUB) and the client side
 * (agent DEALER, monitor SUB).
 */
public final class Curve {

    private Curve() {
    }

    /**
     * Server side: this endpoint's key pair and the public keys allowed to connect.
     *
     * @param keys    the server's key pair (secret required)
     * @param allowed the clients that may connect
     */
    public record Server(CurveKeys keys, KeyAllowList allowed) {
        public Server {
            Objects.requireNonNull(keys, "keys");
            Objects.requireNonNull(allowed, "allowed");
            if (keys.secretKey() == null) {
                throw new IllegalArgumentException("a CURVE server needs its secret key");
            }
        }

        /**
         * Makes {@code socket} a CURVE server whose clients are checked against {@link #allowed()}
         * by the context's ZAP handler. Call before {@code bind}; close the returned registration
         * after the socket is closed (not before: with no ZAP handler JeroMQ admits any key).
         *
         * @param role for log lines, e.g. "agent" or "monitor"
         */
        public ZapAuthenticator.Registration secure(ZContext ctx, ZMQ.Socket socket, String role) {
            ZapAuthenticator.Registration r = ZapAuthenticator.register(ctx, role, allowed);
            boolean ok = socket.setZAPDomain(r.domain())
                    && socket.setCurveServer(true)
                    && socket.setCurvePublicKey(keys.publicKeyBytes())
                    && socket.setCurveSecretKey(keys.secretKeyBytes());
            if (!ok) {
                r.close();
                throw new IllegalStateException("cannot set CURVE server options on the socket");
            }
            return r;
        }
    }

    /**
     * Client side: this endpoint's key pair and the server's public key it pins.
     *
     * @param keys   the client's key pair (secret required)
     * @param server the server's public key: a server without the matching secret cannot finish
     *               the handshake
     */
    public record Client(CurveKeys keys, CurveKeys server) {
        public Client {
            Objects.requireNonNull(keys, "keys");
            Objects.requireNonNull(server, "server");
            if (keys.secretKey() == null) {
                throw new IllegalArgumentException("a CURVE client needs its secret key");
            }
        }

        /** Makes {@code socket} a CURVE client of the pinned server. Call before {@code connect}. */
        public void secure(ZMQ.Socket socket) {
            boolean ok = socket.setCurvePublicKey(keys.publicKeyBytes())
                    && socket.setCurveSecretKey(keys.secretKeyBytes())
                    && socket.setCurveServerKey(server.publicKeyBytes());
            if (!ok) {
                throw new IllegalStateException("cannot set CURVE client options on the socket");
            }
        }
    }
}
