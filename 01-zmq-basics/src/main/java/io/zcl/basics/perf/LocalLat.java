package io.zcl.basics.perf;

import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ.Socket;

/**
 * Latency, echo side, with libzmq's contract (perf/local_lat): REP binds {@code <bind-to>} and sends
 * each of {@code <roundtrip-count>} messages of {@code <message-size>} bytes straight back.
 * remote-lat does the measuring.
 * <pre>
 * Run:   ./zcl example local-lat tcp://*:5556 64 10000
 *   in another terminal:   ./zcl example remote-lat tcp://localhost:5556 64 10000
 * </pre>
 */
public final class LocalLat {

    static final String USAGE = "usage: local-lat <bind-to> <message-size> <roundtrip-count>\n";

    public static void main(String[] argv) {
        PerfArgs args = PerfArgs.parse(argv, USAGE);
        if (args == null) {
            return;
        }
        try (ZContext ctx = new ZContext()) {
            ctx.setLinger(5_000); // let the last reply leave before the context closes
            Socket rep = ctx.createSocket(SocketType.REP);
            rep.bind(args.endpoint());
            echo(rep, args.size(), args.count());
        }
    }

    /** Echoes {@code count} requests, reusing one buffer; waits up to 60 s for the first, 10 s for the rest. */
    static void echo(Socket rep, int size, int count) {
        byte[] buffer = new byte[size];
        rep.setReceiveTimeOut(LocalThr.FIRST_MESSAGE_TIMEOUT_MS);
        for (int i = 0; i < count; i++) {
            LocalThr.expect(rep.recv(buffer, 0, size, 0), size, i);
            rep.setReceiveTimeOut(LocalThr.NEXT_MESSAGE_TIMEOUT_MS);
            rep.send(buffer, 0);
        }
    }
}
