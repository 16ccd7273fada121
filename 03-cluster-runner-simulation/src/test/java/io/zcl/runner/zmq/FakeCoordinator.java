package io.zcl.runner.zmq;

import io.zcl.runner.zmq.Protocol.Cmd;
import io.zcl.runner.zmq.Protocol.Field;
import java.util.Arrays;
import java.util.Map;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZFrame;
import org.zeromq.ZMQ;
import org.zeromq.ZMsg;

/**
 * A ROUTER on loopback that plays coordinator to one real {@link NodeAgent}, message by message:
 * the test decides every reply (or its absence), so it can assert exactly what the agent sends.
 */
final class FakeCoordinator implements AutoCloseable {

    /** One message from the agent: who sent it (the connection's routing id), what, and the raw body. */
    record Received(byte[] from, Message message, byte[] rawBody) {
        Cmd cmd() {
            return message.cmd();
        }

        Map<String, Object> body() {
            return message.body().asMap();
        }
    }

    private final ZContext ctx = new ZContext(1);
    private final ZMQ.Socket router = ctx.createSocket(SocketType.ROUTER);
    private final String endpoint;

    FakeCoordinator() {
        router.setLinger(0);
        router.bind("tcp://127.0.0.1:*");
        endpoint = router.getLastEndpoint();
    }

    String endpoint() {
        return endpoint;
    }

    /** The next message within the timeout, or null. */
    Received receive(long timeoutMs) throws ProtocolException {
        router.setReceiveTimeOut((int) Math.max(1, timeoutMs));
        ZMsg m = ZMsg.recvMsg(router);
        if (m == null) {
            return null;
        }
        byte[] from = m.pop().getData();
        ZFrame[] frames = m.toArray(new ZFrame[0]);
        byte[] raw = frames.length == 3 ? frames[2].getData() : null;
        return new Received(from, Message.parse(m), raw);
    }

    /** The next message that is not a HEARTBEAT, within the timeout, or null. */
    Received receiveSkippingHeartbeats(long timeoutMs) throws ProtocolException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return null;
            }
            Received r = receive(left);
            if (r == null || r.cmd() != Cmd.HEARTBEAT) {
                return r;
            }
        }
    }

    void send(byte[] to, Message m) {
        ZMsg frames = m.toFrames();
        frames.push(to);
        frames.send(router);
    }

    void welcome(byte[] to, long heartbeatMs, long liveness) {
        send(to, Message.of(Cmd.WELCOME, Map.of(Field.VERSION, Protocol.VERSION, Field.HEARTBEAT_MS, heartbeatMs,
                Field.LIVENESS, liveness)));
    }

    static boolean same(byte[] a, byte[] b) {
        return Arrays.equals(a, b);
    }

    @Override
    public void close() {
        ctx.close();
    }
}
