package io.zcl.basics.perf;

import java.io.PrintStream;
import org.HdrHistogram.Histogram;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ.Socket;

/**
 * Latency, measuring side, with libzmq's contract (perf/remote_lat): REQ connects to
 * {@code <connect-to>}, makes {@code <roundtrip-count>} round trips of {@code <message-size>} bytes,
 * prints libzmq's average latency (half the mean round trip) and the round-trip percentiles.
 * <pre>
 * Run:   ./zcl example local-lat tcp://*:5556 64 10000
 *   in another terminal:   ./zcl example remote-lat tcp://localhost:5556 64 10000
 * </pre>
 */
public final class RemoteLat {

    static final String USAGE = "usage: remote-lat <connect-to> <message-size> <roundtrip-count>\n";
    static final int REPLY_TIMEOUT_MS = 10_000;

    /** Round trips timed one by one (nanoseconds, 3 significant digits) and all together. */
    public record Result(int size, int roundtrips, long elapsedNanos, Histogram roundTripNanos) {
        /** libzmq's figure: elapsed / (2 * round trips), i.e. one way, in microseconds. */
        public double averageLatencyMicros() {
            return elapsedNanos / 1000.0 / (2.0 * roundtrips);
        }

        public double percentileMicros(double percentile) {
            return roundTripNanos.getValueAtPercentile(percentile) / 1000.0;
        }

        /** libzmq's three lines, then the round-trip distribution. */
        public void print(PrintStream out) {
            out.printf("message size: %d [B]%n", size);
            out.printf("roundtrip count: %d%n", roundtrips);
            out.printf("average latency: %.3f [us]%n", averageLatencyMicros());
            out.printf("round trip [us]: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f%n",
                    percentileMicros(50), percentileMicros(90), percentileMicros(99), percentileMicros(99.9),
                    roundTripNanos.getMaxValue() / 1000.0);
        }
    }

    public static void main(String[] argv) {
        PerfArgs args = PerfArgs.parse(argv, USAGE);
        if (args == null) {
            return;
        }
        try (ZContext ctx = new ZContext()) {
            Socket req = ctx.createSocket(SocketType.REQ);
            req.connect(args.endpoint());
            roundTrips(req, args.size(), args.count()).print(System.out);
        }
    }

    /** Sends one buffer and waits for its echo, {@code count} times, timing each round trip. */
    static Result roundTrips(Socket req, int size, int count) {
        byte[] buffer = new byte[size];
        Histogram histogram = new Histogram(60_000_000_000L, 3); // up to 60 s, 3 significant digits
        req.setReceiveTimeOut(REPLY_TIMEOUT_MS);
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long sent = System.nanoTime();
            req.send(buffer, 0);
            LocalThr.expect(req.recv(buffer, 0, size, 0), size, i);
            histogram.recordValue(System.nanoTime() - sent);
        }
        return new Result(size, count, System.nanoTime() - start, histogram);
    }
}
