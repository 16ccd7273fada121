package io.zcl.basics.perf;

import java.io.PrintStream;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ.Socket;

/**
 * Throughput, receiving side, with libzmq's contract (perf/local_thr): PULL binds {@code <bind-to>},
 * receives {@code <message-count>} messages of {@code <message-size>} bytes, and prints msg/s and Mb/s
 * timed from the first message to the last.
 * <pre>
 * Run:   ./zcl example local-thr tcp://*:5555 64 1000000
 *   in another terminal:   ./zcl example remote-thr tcp://localhost:5555 64 1000000
 * </pre>
 */
public final class LocalThr {

    static final String USAGE = "usage: local-thr <bind-to> <message-size> <message-count>\n";
    /** How long to wait for the first message (remote-thr not started yet) and between later ones. */
    static final int FIRST_MESSAGE_TIMEOUT_MS = 60_000;
    static final int NEXT_MESSAGE_TIMEOUT_MS = 10_000;

    /** {@code count} messages of {@code size} bytes took {@code elapsedNanos}, first to last. */
    public record Result(int size, int count, long elapsedNanos) {
        public double messagesPerSecond() {
            return count / (Math.max(elapsedNanos, 1) / 1e9);
        }

        /** Megabits (10^6 bits) per second of payload, as libzmq computes it. */
        public double megabitsPerSecond() {
            return messagesPerSecond() * size * 8 / 1e6;
        }

        /** The four lines libzmq's local_thr prints. */
        public void print(PrintStream out) {
            out.printf("message size: %d [B]%n", size);
            out.printf("message count: %d%n", count);
            out.printf("mean throughput: %d [msg/s]%n", (long) messagesPerSecond());
            out.printf("mean throughput: %.3f [Mb/s]%n", megabitsPerSecond());
        }
    }

    public static void main(String[] argv) {
        PerfArgs args = PerfArgs.parse(argv, USAGE);
        if (args == null) {
            return;
        }
        try (ZContext ctx = new ZContext()) {
            Socket pull = ctx.createSocket(SocketType.PULL);
            pull.bind(args.endpoint());
            receive(pull, args.size(), args.count()).print(System.out);
        }
    }

    /** Receives {@code count} messages into one reused buffer; the clock starts at the first one. */
    static Result receive(Socket pull, int size, int count) {
        byte[] buffer = new byte[size];
        pull.setReceiveTimeOut(FIRST_MESSAGE_TIMEOUT_MS);
        expect(pull.recv(buffer, 0, size, 0), size, 0);
        pull.setReceiveTimeOut(NEXT_MESSAGE_TIMEOUT_MS);
        long start = System.nanoTime();
        for (int i = 1; i < count; i++) {
            expect(pull.recv(buffer, 0, size, 0), size, i);
        }
        return new Result(size, count, System.nanoTime() - start);
    }

    static void expect(int received, int size, int index) {
        if (received < 0) {
            throw new IllegalStateException("message " + index + " did not arrive in time (is remote-thr running?)");
        }
        if (received != size) {
            throw new IllegalStateException("message of incorrect size received: " + received + " bytes, expected " + size);
        }
    }
}
