package io.zcl.basics.traps;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.zcl.basics.Args;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.msgpack.jackson.dataformat.MessagePackFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ.Socket;

/**
 * Serialization: ZeroMQ moves opaque byte frames; what goes in them is up to us. One realistic
 * message, a command result with raw stdout bytes, encoded as JSON (Jackson) and as MessagePack
 * (jackson-dataformat-msgpack): size in bytes, encode and decode time per message, round trip.
 * <pre>
 * The trap: JSON has no bytes type, so stdout travels as base64 text, a third bigger, and every
 * number as digits. The fix for binary-heavy messages: a binary format such as MessagePack.
 * Last step: the MessagePack bytes cross a PAIR-PAIR pair over inproc://serialization as one frame.
 * Run (one thread): ./zcl example serialization
 * </pre>
 */
public final class Serialization {

    static final String USAGE = "usage: serialization [--warmup N (10000)] [--iterations N (20000)]\n";
    /** Where timed loops leave their results, so the JIT cannot drop the work being timed. */
    static volatile long blackhole;

    /** One command's outcome, as a node agent would report it. */
    public record CommandResult(String nodeId, String commandId, List<String> argv, int exitCode, byte[] stdout,
                                long startedAtMillis, long durationMicros) {
        // A record compares arrays by reference; a round trip must compare the bytes.
        @Override
        public boolean equals(Object o) {
            return o instanceof CommandResult r && nodeId.equals(r.nodeId) && commandId.equals(r.commandId)
                    && argv.equals(r.argv) && exitCode == r.exitCode && Arrays.equals(stdout, r.stdout)
                    && startedAtMillis == r.startedAtMillis && durationMicros == r.durationMicros;
        }

        @Override
        public int hashCode() {
            return Objects.hash(nodeId, commandId, argv, exitCode, Arrays.hashCode(stdout), startedAtMillis, durationMicros);
        }
    }

    /** One format's figures: encoded size, mean encode and decode time, and whether decode(encode(x)) == x. */
    public record Measured(String format, int bytes, double encodeMicros, double decodeMicros, boolean roundTrips) {}

    public record Result(int stdoutBytes, Measured json, Measured msgpack, boolean msgpackCrossedZeroMq) {}

    public static void main(String[] argv) throws IOException {
        Args args = Args.parse(argv, USAGE, "warmup", "iterations");
        if (args.help() || !args.role().isEmpty()) {
            System.out.print(USAGE);
            return;
        }
        int iterations = args.integer("iterations", 20_000);
        Result r = run(args.integer("warmup", 10_000), iterations);
        System.out.printf("message: command result with %d bytes of stdout; mean of %d runs after warm-up%n",
                r.stdoutBytes(), iterations);
        System.out.printf("%-8s %8s %12s %12s %11s%n", "format", "bytes", "encode us", "decode us", "round trip");
        for (Measured m : List.of(r.json(), r.msgpack())) {
            System.out.printf("%-8s %8d %12.2f %12.2f %11s%n", m.format(), m.bytes(), m.encodeMicros(), m.decodeMicros(),
                    m.roundTrips() ? "equal" : "DIFFERENT");
        }
        System.out.printf("msgpack is %.0f%% of the JSON size; sent as one ZeroMQ frame and decoded intact: %s%n",
                100.0 * r.msgpack().bytes() / r.json().bytes(), r.msgpackCrossedZeroMq());
    }

    public static Result run(int warmup, int iterations) throws IOException {
        CommandResult sample = sample();
        ObjectMapper json = new ObjectMapper();
        ObjectMapper msgpack = new ObjectMapper(new MessagePackFactory());
        Measured j = measure("json", json, sample, warmup, iterations);
        Measured m = measure("msgpack", msgpack, sample, warmup, iterations);
        return new Result(sample.stdout().length, j, m, crossesZeroMq(msgpack, sample));
    }

    static Measured measure(String format, ObjectMapper mapper, CommandResult value, int warmup, int iterations)
            throws IOException {
        byte[] encoded = mapper.writeValueAsBytes(value);
        long keep = 0;
        for (int i = 0; i < warmup; i++) { // let the JIT compile both paths before timing them
            keep += mapper.writeValueAsBytes(value).length;
            keep += mapper.readValue(encoded, CommandResult.class).exitCode();
        }
        long start = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
            keep += mapper.writeValueAsBytes(value).length;
        }
        double encodeMicros = (System.nanoTime() - start) / 1000.0 / iterations;
        start = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
            keep += mapper.readValue(encoded, CommandResult.class).exitCode();
        }
        double decodeMicros = (System.nanoTime() - start) / 1000.0 / iterations;
        blackhole = keep;
        boolean roundTrips = mapper.readValue(encoded, CommandResult.class).equals(value);
        return new Measured(format, encoded.length, encodeMicros, decodeMicros, roundTrips);
    }

    /** The encoded bytes are one frame to ZeroMQ: send them, receive them, decode them. */
    static boolean crossesZeroMq(ObjectMapper mapper, CommandResult value) throws IOException {
        try (ZContext ctx = new ZContext()) {
            Socket in = ctx.createSocket(SocketType.PAIR);
            in.bind("inproc://serialization");
            Socket out = ctx.createSocket(SocketType.PAIR);
            out.connect("inproc://serialization");
            out.send(mapper.writeValueAsBytes(value));
            in.setReceiveTimeOut(2000);
            byte[] frame = in.recv();
            return frame != null && mapper.readValue(frame, CommandResult.class).equals(value);
        }
    }

    /** An all_reduce_perf run's output (our own numbers, nccl-tests' layout), as a node would return it. */
    static CommandResult sample() {
        StringBuilder out = new StringBuilder("""
                # nThread 1 nGpus 8 minBytes 8 maxBytes 134217728 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0
                #                                                              out-of-place                       in-place
                #       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong
                #        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)
                """);
        double time = 21.3;
        double busbwSum = 0;
        int rows = 0;
        for (long size = 1 << 20; size <= 1 << 27; size <<= 1, time *= 1.8, rows++) {
            double algbw = size / 1e9 / (time / 1e6);
            busbwSum += algbw * 1.75; // busbw = algbw * 2(n-1)/n with n = 8 ranks
            out.append(String.format("%12d  %12d  %8s  %6s  %6d  %7.2f  %6.2f  %6.2f  %6d  %7.2f  %6.2f  %6.2f  %6d%n",
                    size, size / 4, "float", "sum", -1, time, algbw, algbw * 1.75, 0, time, algbw, algbw * 1.75, 0));
        }
        out.append(String.format("# Out of bounds values : 0 OK%n# Avg bus bandwidth    : %.3f%n#%n", busbwSum / rows));
        return new CommandResult("gpu-node-017", "cmd-000042",
                List.of("all_reduce_perf", "-b", "1M", "-e", "128M", "-f", "2", "-g", "8"),
                0, out.toString().getBytes(StandardCharsets.UTF_8), 1_732_800_000_123L, 8_412_337L);
    }
}
