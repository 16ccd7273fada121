package io.zcl.basics.perf;

import io.zcl.basics.Args;
import io.zcl.basics.RoleThreads;
import java.time.Duration;
import java.util.concurrent.Future;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ.Socket;

/**
 * Throughput in one process: local-thr's PULL (binds tcp://127.0.0.1:*, or inproc://thr) and
 * remote-thr's PUSH (connects) on two threads, each with its own socket. The first --warmup
 * messages are not timed, so the JIT has compiled the hot path before the clock starts.
 * <pre>
 * Run:   ./zcl example thr
 *        ./zcl example thr --transport inproc --size 1024 --count 200000
 * </pre>
 */
public final class Thr {

    static final String USAGE = """
            usage: thr [--transport tcp|inproc (tcp)] [--size BYTES (64)] [--count N (1000000)] [--warmup N (100000)]
            """;

    public static void main(String[] argv) throws Exception {
        Args args = Args.parse(argv, USAGE, "transport", "size", "count", "warmup");
        if (args.help() || !args.role().isEmpty()) {
            System.out.print(USAGE);
            return;
        }
        String transport = args.string("transport", "tcp");
        System.out.printf("transport: %s%n", transport);
        run(transport, args.integer("size", 64), args.integer("count", 1_000_000), args.integer("warmup", 100_000))
                .print(System.out);
    }

    public static LocalThr.Result run(String transport, int size, int count, int warmup) throws Exception {
        try (ZContext ctx = new ZContext(); RoleThreads threads = new RoleThreads()) {
            Socket pull = ctx.createSocket(SocketType.PULL);
            String endpoint = bind(pull, transport, "thr");
            Future<LocalThr.Result> receiver = threads.start("local-thr", () -> {
                if (warmup > 0) {
                    LocalThr.receive(pull, size, warmup);
                }
                return LocalThr.receive(pull, size, count);
            });
            // The PUSH stays open until everything arrived: with ZContext's LINGER 0, closing early drops the tail.
            try (Socket push = ctx.createSocket(SocketType.PUSH)) {
                push.connect(endpoint);
                RemoteThr.send(push, size, warmup + count);
                return RoleThreads.await(receiver, Duration.ofMinutes(2));
            }
        }
    }

    /** Binds to an ephemeral loopback port for "tcp", or to inproc://NAME; returns the endpoint. */
    static String bind(Socket socket, String transport, String name) {
        switch (transport) {
            case "tcp" -> socket.bind("tcp://127.0.0.1:*");
            case "inproc" -> socket.bind("inproc://" + name);
            default -> throw new IllegalArgumentException("--transport must be tcp or inproc, got '" + transport + "'");
        }
        return socket.getLastEndpoint();
    }
}
