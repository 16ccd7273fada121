package io.zcl.runner.bench;

import io.zcl.runner.zmq.MuxAgents;
import java.util.ArrayList;
import java.util.List;
import org.zeromq.ZContext;

/**
 * Many agents in one JVM for the scale benchmark: agents node-FIRST .. node-(FIRST+COUNT-1), each
 * with its own DEALER socket speaking the agent's side of the protocol, all served by one thread
 * ({@link MuxAgents}) on one ZeroMQ context. They run only the built-in {@code @noop}, so the
 * benchmark measures the coordinator and the protocol, not process spawning or a thread per agent.
 * Runs until stdin closes.
 *
 * <pre>java -cp ... io.zcl.runner.bench.ScaleFarm tcp://127.0.0.1:5555 FIRST COUNT HEARTBEAT_MS IO_THREADS</pre>
 */
public final class ScaleFarm {

    private ScaleFarm() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: ScaleFarm <coordinator-endpoint> <first> <count> <heartbeat-ms> <io-threads>");
            System.exit(2);
        }
        String endpoint = args[0];
        int first = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        int heartbeatMs = Integer.parseInt(args[3]);
        int ioThreads = Integer.parseInt(args[4]);
        List<String> nodeIds = new ArrayList<>();
        for (int i = first; i < first + count; i++) {
            nodeIds.add("node-" + i);
        }
        try (ZContext ctx = new ZContext(ioThreads)) {
            // A context allows 1024 sockets by default; one JVM may hold more agents than that.
            ctx.getContext().setMaxSockets(Math.max(1024, count + 64));
            try (MuxAgents agents = new MuxAgents(ctx, endpoint, nodeIds, heartbeatMs, 3,
                    io.zcl.runner.zmq.MonotonicClock::millis).start()) {
                System.out.println("FARM " + count + " agents started");
                System.out.flush();
                while (System.in.read() >= 0) {
                    // serve until the parent closes our stdin
                }
            }
        }
    }
}
