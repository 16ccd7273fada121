package io.zcl.basics.perf;

import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ.Socket;

/**
 * Throughput, sending side, with libzmq's contract (perf/remote_thr): PUSH connects to
 * {@code <connect-to>} and sends {@code <message-count>} messages of {@code <message-size>} bytes
 * as fast as it can. local-thr does the measuring.
 * <pre>
 * Run:   ./zcl example local-thr tcp://*:5555 64 1000000
 *   in another terminal:   ./zcl example remote-thr tcp://localhost:5555 64 1000000
 * </pre>
 */
public final class RemoteThr {

    static final String USAGE = "usage: remote-thr <connect-to> <message-size> <message-count>\n";
    /** After the last send, close() waits this long for queued messages to reach local-thr (libzmq waits forever). */
    static final int LINGER_MS = 30_000;
    /** A send blocks while the pipe is full; give up if local-thr has not drained anything for this long. */
    static final int SEND_TIMEOUT_MS = 10_000;

    public static void main(String[] argv) {
        PerfArgs args = PerfArgs.parse(argv, USAGE);
        if (args == null) {
            return;
        }
        try (ZContext ctx = new ZContext()) {
            ctx.setLinger(LINGER_MS); // ZContext's default LINGER 0 would drop the tail of the stream
            Socket push = ctx.createSocket(SocketType.PUSH);
            push.connect(args.endpoint());
            send(push, args.size(), args.count());
        }
    }

    /** Sends {@code count} copies of one {@code size}-byte buffer (reused: we measure ZeroMQ, not the allocator). */
    static void send(Socket push, int size, int count) {
        byte[] message = new byte[size];
        push.setSendTimeOut(SEND_TIMEOUT_MS);
        for (int i = 0; i < count; i++) {
            if (!push.send(message, 0)) {
                throw new IllegalStateException("send " + i + " timed out after " + SEND_TIMEOUT_MS + " ms: is local-thr running?");
            }
        }
    }
}
