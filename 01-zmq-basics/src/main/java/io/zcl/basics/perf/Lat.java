package io.zcl.basics.perf;

import io.zcl.basics.Args;
import io.zcl.basics.RoleThreads;
import java.time.Duration;
import java.util.concurrent.Future;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ.Socket;

/**
 * Latency in one process: local-lat's REP echo (binds tcp://127.0.0.1:*, or inproc://lat) and
 * remote-lat's REQ (connects) on two threads, each with its own socket. The first --warmup
 * round trips are not recorded.
 * <pre>
 * Run:   ./zcl example lat
 *        ./zcl example lat --transport inproc --size 1024 --count 50000
 * </pre>
 */
public final class Lat {

    static final String USAGE = """
            usage: lat [--transport tcp|inproc (tcp)] [--size BYTES (64)] [--count N (20000)] [--warmup N (5000)]
            """;

    public static void main(String[] argv) throws Exception {
        Args args = Args.parse(argv, USAGE, "transport", "size", "count", "warmup");
        if (args.help() || !args.role().isEmpty()) {
            System.out.print(USAGE);
            return;
        }
        String transport = args.string("transport", "tcp");
        System.out.printf("transport: %s%n", transport);
        run(transport, args.integer("size", 64), args.integer("count", 20_000), args.integer("warmup", 5_000))
                .print(System.out);
    }

    public static RemoteLat.Result run(String transport, int size, int count, int warmup) throws Exception {
        try (ZContext ctx = new ZContext(); RoleThreads threads = new RoleThreads()) {
            Socket rep = ctx.createSocket(SocketType.REP);
            String endpoint = Thr.bind(rep, transport, "lat");
            Future<Integer> echo = threads.start("local-lat", () -> {
                LocalLat.echo(rep, size, warmup + count);
                return warmup + count;
            });
            try (Socket req = ctx.createSocket(SocketType.REQ)) {
                req.connect(endpoint);
                if (warmup > 0) {
                    RemoteLat.roundTrips(req, size, warmup);
                }
                RemoteLat.Result result = RemoteLat.roundTrips(req, size, count);
                RoleThreads.await(echo, Duration.ofSeconds(30));
                return result;
            }
        }
    }
}
